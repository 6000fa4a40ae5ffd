"""Recruitment: moves through the pipeline, hiring, the no-answer sweep. (To be written.)"""

from datetime import datetime


def close_unanswered_candidates(*, now: datetime) -> int:
    """Close as "no answer" the candidates we have not heard from for CANDIDATE_NO_ANSWER_DAYS."""
    raise NotImplementedError
