"""Recruitment, contracts, rota, time clock, adherence, payroll and staffing needs."""
