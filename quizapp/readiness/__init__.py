"""Item calibration, readiness, percentile ranks and the adaptive readiness check: the app's
side of quizapp.scoring.irt / readiness / cat (see docs/readiness.md)."""
