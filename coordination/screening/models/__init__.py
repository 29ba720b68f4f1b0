from coordination.screening.models.screening_run import ScreeningRun

__all__ = ["ScreeningRun"]
