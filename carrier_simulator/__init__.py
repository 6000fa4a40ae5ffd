"""A carrier simulator: a small separate process (no Django) that speaks the carrier protocol of
docs/telephony.md, so that the whole chain (dial → carrier → signed webhooks → the desk) runs on
a fresh machine. `python -m carrier_simulator --help`."""
