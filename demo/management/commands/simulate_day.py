"""manage.py simulate_day: the national surge day in the simulator, its speed, the policies side
by side and the staffing planner against the workload formula."""

import time as clock
from dataclasses import replace

from django.core.management.base import BaseCommand

from calls.simulation import simulate
from calls.simulation.scenario import POLICIES
from demo.surge import surge_scenario
from workforce.models.staffing import StaffingParameters
from workforce.services.planner import plan_staffing


class Command(BaseCommand):
    help = (
        "Simulate the national surge day (120,000 contacts and 25,000 patients zéro over 100 "
        "territories, 34 languages, 11,000 agents): wall time and events per second, the share "
        "within 24 h under EDF with language routing, FIFO and no language routing at the same "
        "staffing, and the planner's staffing for the target beside the workload formula's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=float, default=1.0, help="fraction of the day")
        parser.add_argument("--target", type=float, default=0.99)
        parser.add_argument(
            "--planner-territories",
            type=int,
            default=10,
            help="the planner searches on this many territories (the same day, scaled), "
            "then scales its staffing up to the country: each search step is a full simulation",
        )
        parser.add_argument("--planner-simulations", type=int, default=40)
        parser.add_argument("--skip-planner", action="store_true")

    def handle(self, *args, **options):
        scale = options["scale"]
        scenario = surge_scenario(
            territories=max(1, round(100 * scale)),
            contacts=round(120_000 * scale),
            index_cases=round(25_000 * scale),
            agents=round(11_000 * scale),
            seed=options["seed"],
        ).with_database_rules()
        out = self.stdout.write
        out(
            f"Surge day: {scenario.contacts_per_day:,} contacts, {scenario.index_cases_per_day:,} "
            f"patients zéro, {len(scenario.territories)} territories, {len(scenario.languages)} "
            f"languages, {scenario.agents():,} agents (seed {options['seed']})"
        )
        results = {}
        for policy in POLICIES:
            results[policy] = r = simulate(scenario.but(policy=policy))
            out(
                f"  {policy:<12} share within 24 h {r.share_within_24h:7.2%} "
                f"({r.share_of_reachable:.2%} of those with a working number)  "
                f"reached {r.totals.reached:,}  SMS before deadline {r.totals.notified_sms:,}  "
                f"misses {r.totals.misses:,}  escalations {r.totals.escalations:,}  "
                f"calls {r.calls:,}  {r.wall_seconds:.1f} s, {r.events:,} events, "
                f"{r.events_per_second:,.0f} events/s"
            )
        edf = results["edf"]
        out(
            f"One day simulated in {edf.wall_seconds:.1f} s ({edf.events_per_second:,.0f} "
            f"events/s; target under 60 s)"
        )
        worst = sorted(
            (f.share_within_24h, code) for code, f in edf.by_language.items() if f.people
        )[:3]
        out("  EDF's worst languages: " + ", ".join(f"{c} {s:.1%}" for s, c in worst))
        # SMS-first (the channel modes): every new contact is notified by SMS at once and still
        # called. At the full rota, and with a third of the agents: October 2020, when the
        # contacts identified in a day were about three times the calls the floors could make.
        sms = simulate(scenario.but(channel_mode="sms_first"))
        third = scenario.but(
            shifts=tuple(replace(s, count=round(s.count / 3)) for s in scenario.shifts)
        )
        short_call = simulate(third)
        short_sms = simulate(third.but(channel_mode="sms_first"))
        out(
            f"SMS-first: at the full rota {edf.share_within_24h:.2%} -> {sms.share_within_24h:.2%}"
            f" within 24 h; with a third of the agents ({third.agents():,}) call-first "
            f"{short_call.share_within_24h:.2%} -> SMS-first {short_sms.share_within_24h:.2%} "
            f"(reached by phone {short_call.totals.reached:,} -> {short_sms.totals.reached:,}, "
            f"notified by SMS only {short_sms.totals.notified_sms:,}, misses "
            f"{short_call.totals.misses:,} -> {short_sms.totals.misses:,})"
        )
        if options["skip_planner"]:
            return
        part = min(options["planner_territories"], len(scenario.territories))
        factor = len(scenario.territories) / part
        sample = surge_scenario(
            territories=part,
            contacts=round(scenario.contacts_per_day / factor),
            index_cases=round(scenario.index_cases_per_day / factor),
            agents=round(scenario.agents() / factor),
            seed=options["seed"],
        ).with_database_rules()
        started = clock.perf_counter()
        plan = plan_staffing(
            sample, options["target"], max_simulations=options["planner_simulations"]
        )
        seconds = clock.perf_counter() - started
        formula = plan.formula_agents or 0
        shrinkage = float(StaffingParameters().shrinkage)
        out(
            f"Planner for {options['target']:.0%} within 24 h ({part} territories searched, "
            f"{plan.simulations} simulations, {seconds:.0f} s, scaled ×{factor:g}): "
            f"{round(plan.agents * factor):,} agents (reaches {plan.share_within_24h:.2%}"
            f"{'' if plan.reaches_target else ', target not reached'}) vs the workload "
            f"formula's {round(formula * factor):,} vs the rota's "
            f"{round(plan.start_agents * factor):,} (simulated at {plan.start_share:.2%})"
        )
        out(
            f"  The planner counts agents present on the day; with the formula's shrinkage "
            f"({shrinkage:.0%}) that is {round(plan.agents * factor / (1 - shrinkage)):,} on the "
            f"payroll. Shares are of the people with a working number."
        )
        tight = sample.but(shifts=plan.shifts)
        shares = {p: simulate(tight.but(policy=p)).share_of_reachable for p in POLICIES}
        out(
            "  At the planner's staffing (searched part): "
            + ", ".join(f"{p} {share:.2%}" for p, share in shares.items())
        )
        top = sorted(plan.agents_by_language.items(), key=lambda kv: -kv[1])[:6]
        out("  by language (searched part): " + ", ".join(f"{code} {n}" for code, n in top))
