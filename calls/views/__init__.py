"""Pages of the calls app: the desk (desk.py) and the moves of a call outside the queue
(tasks.py)."""
