"""The simulator's default data, with where each figure comes from.

Every figure here is a default a scenario may replace; a territory's own history replaces the
handle times when it has enough (scenario.handle_times_from_history).
"""

# The retry rules seeded by calls/migrations/0003_seed_retry_rules.py (outcome: closes the task,
# delay in minutes, next phone, maximum attempts). A scenario built with
# Scenario.with_database_rules() reads the rules as they stand in the database instead.
RETRY_RULES = {
    "reached": (True, 0, False, 5),
    "refused": (True, 0, False, 5),
    "not_concerned": (True, 0, False, 5),
    "no_answer": (False, 60, True, 5),
    "busy": (False, 15, False, 5),
    "voicemail": (False, 60, True, 5),
    "wrong_number": (False, 0, True, 5),
    "callback": (False, 0, False, 6),
    "language_barrier": (False, 0, False, 6),
}

# The share of attempts answered, by the person's local hour (0–23). Assumption, shaped by the
# survey-research finding that weekday daytime calls reach people least and early evening most
# (Weeks, Kulka & Pierson, "Optimal call scheduling for a telephone survey", Public Opinion
# Quarterly 51(4), 1987), and scaled so that a contact needs about 1.8 attempts on average, the
# workload formula's default (workforce.StaffingParameters.attempts_per_contact). Outside calling
# hours nobody is called, so those hours do not matter.
REACHABILITY = (
    0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.35, 0.45,   # 00–07
    0.55, 0.55, 0.50, 0.45, 0.55, 0.60, 0.50, 0.50,   # 08–15
    0.55, 0.60, 0.68, 0.70, 0.62, 0.50, 0.40, 0.30,   # 16–23
)  # fmt: skip

# When the call is answered: what the person says (weights). Assumption: nearly everyone listens;
# a few ask to be called back or refuse.
ANSWERED = {"reached": 0.90, "callback": 0.06, "refused": 0.02, "not_concerned": 0.02}
# When it is not: why (weights). Assumption.
UNANSWERED = {"no_answer": 0.55, "voicemail": 0.30, "busy": 0.12, "wrong_number": 0.03}

# Handle time in minutes (mean, coefficient of variation; lognormal) per reason and outcome;
# "*" holds for every reason. The conversations' means are the workload formula's defaults
# (workforce.StaffingParameters: 30 min for a patient zéro interview, 15 for a contact); an
# unanswered attempt costs 1.5 min (the formula's default for dialling, ringing, a voicemail).
HANDLE_MINUTES = {
    ("index_interview", "reached"): (30.0, 0.4),
    ("contact_notification", "reached"): (15.0, 0.4),
    ("follow_up", "reached"): (10.0, 0.4),
    ("*", "callback"): (3.0, 0.4),
    ("*", "refused"): (3.0, 0.5),
    ("*", "not_concerned"): (2.0, 0.5),
    ("*", "language_barrier"): (2.0, 0.5),
    ("*", "no_answer"): (1.5, 0.3),
    ("*", "busy"): (0.5, 0.3),
    ("*", "voicemail"): (1.5, 0.3),
    ("*", "wrong_number"): (1.0, 0.3),
}

# Lab results come in two waves (per cent of the day's identifications by hour, Paris time):
# morning results, then early afternoon. Assumption shaped by the labs' delivery rounds.
ARRIVAL_PROFILE = (
    0, 0, 0, 0, 0, 0, 1, 3,        # 00–07
    9, 12, 11, 8, 6, 9, 11, 9,     # 08–15
    7, 5, 4, 2, 1, 1, 1, 0,        # 16–23
)  # fmt: skip

# A call made through an interpreter (three-way) lasts longer: the "no language routing" policy
# multiplies the handle time by this when the agent does not speak the person's language.
# Assumption (consecutive interpreting roughly doubles the talk; part of a call is not talk).
INTERPRETER_PENALTY = 1.6

# A person asking to be called back: in this many minutes (kept before the deadline).
CALLBACK_DELAY_MINUTES = 120

# Share of people with a second number.
SECOND_PHONE_SHARE = 0.2
