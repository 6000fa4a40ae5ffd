"""What every app uses and no app owns: API glue, domain errors, CSV files, phones, widgets."""
