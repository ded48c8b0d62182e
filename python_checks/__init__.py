"""shiftwatch: warehouse-native data-quality and drift checking for ML tables."""

__version__ = "0.1.0"
