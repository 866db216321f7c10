"""Hours or days whose spend or cost per request departs from the expected, each with the factor that moved:
``detect_series`` / ``detect`` (``detect.py``: when a period is anomalous), ``causes.py`` (which factor of spend moved)."""

from otel_aicost.finops.anomalies.causes import CAUSE_WORDS, CAUSES
from otel_aicost.finops.anomalies.detect import THRESHOLD, Anomaly, detect, detect_series

__all__ = ["CAUSES", "CAUSE_WORDS", "THRESHOLD", "Anomaly", "detect", "detect_series"]
