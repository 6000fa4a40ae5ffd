"""The front door for cases: the lab-feed API, the intake form, the CSV import and the case
pages."""
