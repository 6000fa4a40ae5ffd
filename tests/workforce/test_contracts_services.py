"""Contracts: renewals keep the history, the end alert is raised once, and the day after the last
day the account is deactivated, the held call given back and the owned callbacks released."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agents import roles
from agents.models import Agent
from calls.models import CallTask
from tests.base import PASSWORD, PersonasTestCase, make_user
from tests.supervision.test_actions import ActionTestCase
from workforce import tasks
from workforce.exceptions import (
    AgentDeactivated,
    ContractAlreadyRenewed,
    ContractClosed,
    ContractNotRenewable,
    ContractOverlap,
    InvalidContractDates,
)
from workforce.models.contracts import Contract
from workforce.selectors.contracts import contract_end_alerts
from workforce.services import contracts as services

# A winter Thursday, 11:00 in Paris, 14:00 in La Réunion.
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)


def cdd(agent: Agent, start_on: date, end_on: date, **fields) -> Contract:
    return Contract.objects.create(
        agent=agent, kind=Contract.Kind.CDD, start_on=start_on, end_on=end_on, **fields
    )


class ContractTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.amel = make_user(
            "amel",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr",),
            plateau=cls.saint_denis,
        )
        cls.contract = cdd(cls.amel.agent, date(2025, 11, 1), date(2026, 1, 31))


class RenewContractTests(ContractTestCase):
    def test_it_chains_renewals_and_keeps_the_history(self):
        first = services.renew_contract(contract=self.contract, months=3)
        second = services.renew_contract(contract=first, months=6)

        self.assertEqual(
            (first.kind, first.start_on, first.end_on),
            (Contract.Kind.CDD, date(2026, 2, 1), date(2026, 4, 30)),
        )
        self.assertEqual((second.start_on, second.end_on), (date(2026, 5, 1), date(2026, 10, 31)))
        self.assertEqual((first.renews, second.renews), (self.contract, first))
        self.contract.refresh_from_db()
        # The renewed contract is untouched: the history is every row of the chain.
        self.assertEqual(
            (self.contract.start_on, self.contract.end_on), (date(2025, 11, 1), date(2026, 1, 31))
        )
        self.assertEqual(self.contract.renewed_by, first)
        self.assertEqual(Contract.objects.filter(agent=self.amel.agent).count(), 3)

    def test_it_runs_a_renewal_from_the_31st_to_the_end_of_a_short_month(self):
        self.assertEqual(
            services.fixed_term_end(start_on=date(2026, 1, 31), months=3), date(2026, 4, 30)
        )
        self.assertEqual(
            services.fixed_term_end(start_on=date(2026, 1, 30), months=3), date(2026, 4, 29)
        )
        self.assertEqual(
            services.fixed_term_end(start_on=date(2026, 3, 1), months=6), date(2026, 8, 31)
        )

    def test_it_refuses_to_renew_twice(self):
        services.renew_contract(contract=self.contract, months=3)
        with self.assertRaises(ContractAlreadyRenewed):
            services.renew_contract(contract=self.contract, months=6)
        self.assertEqual(Contract.objects.filter(agent=self.amel.agent).count(), 2)

    def test_it_refuses_to_renew_a_cdi(self):
        cdi = Contract.objects.create(
            agent=self.carol.agent, kind=Contract.Kind.CDI, start_on=date(2020, 1, 1)
        )
        with self.assertRaises(ContractNotRenewable):
            services.renew_contract(contract=cdi, months=3)

    def test_it_refuses_to_renew_for_a_deactivated_account(self):
        User.objects.filter(pk=self.amel.pk).update(is_active=False)
        with self.assertRaises(AgentDeactivated):
            services.renew_contract(contract=self.contract, months=3)
        self.assertFalse(Contract.objects.filter(renews=self.contract).exists())

    def test_it_refuses_other_durations(self):
        with self.assertRaises(ValueError):
            services.renew_contract(contract=self.contract, months=4)

    def test_it_takes_the_renewed_contract_off_the_alert_list(self):
        self.assertEqual(
            services.alert_contract_ends(now=datetime(2026, 1, 20, 10, 0, tzinfo=UTC)), 1
        )
        self.assertEqual(contract_end_alerts(user=self.carol), [self.contract])
        services.renew_contract(contract=self.contract, months=3)
        self.assertEqual(contract_end_alerts(user=self.carol), [])


class EndContractTests(ContractTestCase):
    def test_it_moves_the_last_day_earlier(self):
        services.end_contract(contract=self.contract, end_on=date(2026, 1, 20))
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2026, 1, 20))

    def test_it_ends_a_cdi(self):
        cdi = Contract.objects.create(
            agent=self.carol.agent, kind=Contract.Kind.CDI, start_on=date(2020, 1, 1)
        )
        services.end_contract(contract=cdi, end_on=date(2026, 6, 30))
        cdi.refresh_from_db()
        self.assertEqual(cdi.end_on, date(2026, 6, 30))

    def test_it_refuses_an_end_before_the_start_or_after_the_planned_end(self):
        for end_on in (date(2025, 10, 31), date(2026, 2, 1)):
            with self.subTest(end_on=end_on), self.assertRaises(InvalidContractDates):
                services.end_contract(contract=self.contract, end_on=end_on)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_on, date(2026, 1, 31))

    def test_it_refuses_to_end_a_renewed_or_closed_contract(self):
        services.renew_contract(contract=self.contract, months=3)
        with self.assertRaises(ContractAlreadyRenewed):
            services.end_contract(contract=self.contract, end_on=date(2026, 1, 20))
        old = cdd(self.bob.agent, date(2025, 1, 1), date(2025, 6, 30), closed_at=NOW)
        with self.assertRaises(ContractClosed):
            services.end_contract(contract=old, end_on=date(2025, 5, 1))


class AddContractTests(ContractTestCase):
    def test_it_refuses_a_contract_overlapping_another(self):
        with self.assertRaises(ContractOverlap):
            services.add_contract(
                agent=self.amel.agent, kind=Contract.Kind.CDI, start_on=date(2026, 1, 10)
            )
        with self.assertRaises(InvalidContractDates):
            services.add_contract(
                agent=self.amel.agent, kind=Contract.Kind.CDD, start_on=date(2026, 3, 1)
            )

    def test_it_hires_a_departed_agent_again(self):
        services.end_expired_contracts(now=datetime(2026, 2, 1, 10, 0, tzinfo=UTC))
        self.amel.refresh_from_db()
        self.assertFalse(self.amel.is_active)
        contract = services.add_contract(
            agent=self.amel.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 3, 1),
            end_on=date(2026, 5, 31),
        )
        self.amel.refresh_from_db()
        self.assertTrue(self.amel.is_active)
        self.assertIsNone(contract.renews)


class ContractStartTests(ContractTestCase):
    """No account is open without a contract running: a later start opens it on its first day."""

    def test_an_agent_rehired_from_a_later_date_has_no_account_in_between(self):
        today = timezone.localdate(timezone=self.t93.zone)
        cdd(self.bob.agent, today - timedelta(days=90), today - timedelta(days=1))
        later = services.add_contract(
            agent=self.bob.agent,
            kind=Contract.Kind.CDD,
            start_on=today + timedelta(days=7),
            end_on=today + timedelta(days=97),
        )
        self.assertIsNone(later.opened_at)

        # amel's contract of the fixture ended in January: hers is closed too.
        self.assertEqual(services.end_expired_contracts(now=timezone.now()), 2)
        self.bob.refresh_from_db()
        self.assertFalse(self.bob.is_active)
        self.assertEqual(services.open_started_contracts(now=timezone.now()), 0)

        first_day = timezone.now() + timedelta(days=7)
        self.assertEqual(services.open_started_contracts(now=first_day), 1)
        self.assertEqual(services.open_started_contracts(now=first_day), 0)
        self.bob.refresh_from_db()
        later.refresh_from_db()
        self.assertTrue(self.bob.is_active)
        self.assertEqual(later.opened_at, first_day)

    def test_a_contract_starting_later_does_not_reopen_a_closed_account_at_once(self):
        services.end_expired_contracts(now=datetime(2026, 2, 1, 10, 0, tzinfo=UTC))
        start_on = timezone.localdate(timezone=self.t93.zone) + timedelta(days=30)
        services.add_contract(agent=self.amel.agent, kind=Contract.Kind.CDI, start_on=start_on)
        self.amel.refresh_from_db()
        self.assertFalse(self.amel.is_active)

    def test_a_hire_from_a_later_date_opens_the_account_on_the_first_day(self):
        from agents.models import Language
        from workforce.services.staff import create_agent

        start_on = timezone.localdate(timezone=self.t93.zone) + timedelta(days=4)
        agent = create_agent(
            username="lucie",
            password=PASSWORD,
            first_name="Lucie",
            last_name="Martin",
            role=roles.TELECONSEILLER,
            territory=self.t93,
            languages=list(Language.objects.filter(code="fr")),
            today=start_on,
            contract_end=start_on + timedelta(days=90),
        )
        self.assertFalse(agent.user.is_active)
        self.assertIsNone(Contract.objects.get(agent=agent).opened_at)
        login = {"username": "lucie", "password": PASSWORD}
        self.assertEqual(
            Client().post(reverse("login"), login).status_code, 200
        )  # the form again: refused
        services.open_started_contracts(now=timezone.now() + timedelta(days=4))
        agent.user.refresh_from_db()
        self.assertTrue(agent.user.is_active)
        self.assertEqual(Client().post(reverse("login"), login).status_code, 302)

    def test_the_celery_task_opens_started_contracts(self):
        self.assertEqual(tasks.open_started_contracts.delay().get(), 0)


class AlertContractEndsTests(ContractTestCase):
    def test_it_raises_the_alert_once(self):
        # 31 January is 16 days away on the 15th, 14 days away on the 17th.
        self.assertEqual(services.alert_contract_ends(now=NOW + timedelta(days=1)), 0)
        at = NOW + timedelta(days=2)
        self.assertEqual(services.alert_contract_ends(now=at), 1)
        self.assertEqual(services.alert_contract_ends(now=at + timedelta(minutes=1)), 0)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.end_alerted_at, at)
        self.assertEqual(settings.CONTRACT_END_ALERT_DAYS, 14)

    def test_it_leaves_out_renewed_cdi_and_closed_contracts(self):
        services.renew_contract(contract=self.contract, months=3)
        Contract.objects.create(
            agent=self.carol.agent, kind=Contract.Kind.CDI, start_on=date(2020, 1, 1)
        )
        cdd(self.bob.agent, date(2025, 1, 1), date(2026, 1, 20), closed_at=NOW)
        self.assertEqual(services.alert_contract_ends(now=NOW), 0)

    def test_it_counts_the_days_in_each_territorys_time_zone(self):
        # 22:30 in Paris on the 15th is 01:30 on the 16th in La Réunion: 14 days ahead is the
        # 29th in Paris, the 30th in La Réunion.
        late = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)
        paris = cdd(self.bob.agent, date(2025, 1, 1), date(2026, 1, 30))
        reunion = cdd(self.zoe.agent, date(2025, 1, 1), date(2026, 1, 30))
        self.assertEqual(services.alert_contract_ends(now=late), 1)
        paris.refresh_from_db()
        reunion.refresh_from_db()
        self.assertIsNone(paris.end_alerted_at)
        self.assertEqual(reunion.end_alerted_at, late)

    def test_it_acknowledges_an_alert_once(self):
        services.alert_contract_ends(now=datetime(2026, 1, 20, 10, 0, tzinfo=UTC))
        self.assertTrue(services.acknowledge_contract_alert(contract=self.contract, now=NOW))
        self.assertFalse(services.acknowledge_contract_alert(contract=self.contract, now=NOW))
        self.assertEqual(contract_end_alerts(user=self.carol), [])


class EndExpiredContractsByZoneTests(ContractTestCase):
    def test_it_ends_a_contract_the_day_after_its_last_day_in_the_territorys_time_zone(self):
        paris = cdd(self.bob.agent, date(2025, 1, 1), date(2026, 1, 15))
        reunion = cdd(self.zoe.agent, date(2025, 1, 1), date(2026, 1, 15))
        late = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)
        self.assertEqual(services.end_expired_contracts(now=late), 1)
        self.bob.refresh_from_db()
        self.zoe.refresh_from_db()
        self.assertEqual((self.bob.is_active, self.zoe.is_active), (True, False))
        paris.refresh_from_db()
        reunion.refresh_from_db()
        self.assertEqual((paris.closed_at, reunion.closed_at), (None, late))

    def test_it_keeps_an_agent_whose_contract_was_renewed_or_followed(self):
        renewal = services.renew_contract(contract=self.contract, months=3)
        cdd(self.bob.agent, date(2025, 1, 1), date(2026, 1, 10))
        Contract.objects.create(
            agent=self.bob.agent, kind=Contract.Kind.CDI, start_on=date(2026, 1, 11)
        )
        self.assertEqual(
            services.end_expired_contracts(now=datetime(2026, 2, 2, 10, 0, tzinfo=UTC)), 0
        )
        self.amel.refresh_from_db()
        self.bob.refresh_from_db()
        self.assertTrue(self.amel.is_active and self.bob.is_active)
        renewal.refresh_from_db()
        self.assertIsNone(renewal.closed_at)
        # bob's ended CDD is closed so the sweep does not look at it again; his account stays.
        self.assertIsNotNone(
            Contract.objects.get(agent=self.bob.agent, kind=Contract.Kind.CDD).closed_at
        )

    def test_one_failure_does_not_stop_the_others(self):
        cdd(self.bob.agent, date(2025, 1, 1), date(2026, 1, 10))
        real_go_offline = services.go_offline

        def failing_for_bob(*, agent, now):
            if agent.pk == self.bob.agent.pk:
                raise RuntimeError("telephony down")
            return real_go_offline(agent=agent, now=now)

        with (
            mock.patch.object(services, "go_offline", side_effect=failing_for_bob),
            self.assertLogs(services.logger, "ERROR"),
        ):
            self.assertEqual(
                services.end_expired_contracts(now=datetime(2026, 2, 2, 10, 0, tzinfo=UTC)), 1
            )
        self.amel.refresh_from_db()
        self.bob.refresh_from_db()
        self.assertEqual((self.amel.is_active, self.bob.is_active), (False, True))
        self.assertIsNone(Contract.objects.get(agent=self.bob.agent).closed_at)


class EndExpiredContractsTests(ActionTestCase):
    """At the real time of the run: the sessions and leases are real ones."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.today = timezone.localdate(timezone=cls.t93.zone)
        Contract.objects.filter(agent=cls.alice.agent).delete()
        cls.contract = cdd(
            cls.alice.agent, cls.today - timedelta(days=90), cls.today - timedelta(days=1)
        )

    def test_it_deactivates_the_account_gives_back_the_call_and_releases_the_callbacks(self):
        callback = self.owned_callback(self.alice)
        other_callback = self.owned_callback(self.anna)
        assignment = self.hold_a_call(self.alice)
        browser = Client()
        browser.force_login(self.alice)
        self.assertEqual(browser.get(reverse("calls:desk")).status_code, 200)
        now = self.tick()

        self.assertEqual(services.end_expired_contracts(now=now), 1)

        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        login = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertEqual(login.status_code, 200)
        self.assertFalse(login.wsgi_request.user.is_authenticated)
        response = browser.get(reverse("calls:desk"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.assertFalse(
            [
                s
                for s in Session.objects.all()
                if s.get_decoded().get("_auth_user_id") == str(self.alice.pk)
            ]
        )
        self.alice.agent.refresh_from_db()
        self.assertEqual(self.alice.agent.status, Agent.Status.OFFLINE)
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.closed_at)
        held = CallTask.objects.get(pk=assignment.task_id)
        self.assertEqual((held.status, held.lease_holder), (CallTask.Status.QUEUED, None))
        callback.refresh_from_db()
        self.assertEqual((callback.status, callback.reserved_for), (CallTask.Status.QUEUED, None))
        # Another agent's callback stays theirs.
        other_callback.refresh_from_db()
        self.assertEqual(other_callback.reserved_for, self.anna.agent)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.closed_at, now)

        # A second run does nothing.
        self.assertEqual(services.end_expired_contracts(now=self.tick()), 0)
        self.contract.refresh_from_db()
        self.assertEqual(self.contract.closed_at, now)

    def test_it_waits_for_the_day_after_the_last_day(self):
        Contract.objects.filter(pk=self.contract.pk).update(end_on=self.today)
        self.assertEqual(services.end_expired_contracts(now=self.tick()), 0)
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_the_celery_tasks_run_the_sweeps(self):
        cdd(self.anna.agent, self.today - timedelta(days=30), self.today + timedelta(days=3))
        self.assertEqual(tasks.alert_contract_ends.delay().get(), 1)
        self.assertEqual(tasks.alert_contract_ends.delay().get(), 0)
        self.assertEqual(tasks.end_expired_contracts.delay().get(), 1)
        self.assertEqual(tasks.end_expired_contracts.delay().get(), 0)
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
