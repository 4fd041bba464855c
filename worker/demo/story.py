"""The plan-sync half of the story: find, connect, choose, sync, edits on both sides, a conflict, a fault."""

from __future__ import annotations

from decimal import Decimal

from reconciliation.link_entry import LinkEntry
from reconciliation.side import Side
from worker.demo import facts
from worker.demo.cast import GROUP_ID, Cast
from worker.demo.people import edit_benefit, edit_plan, read_plan
from worker.runtime.jobs import plan_systems
from worker.service import accounts, plan_choices

ACCOUNT_NAME = "Acme Widgets"
SYSTEM_NAMES = {Side.PERFECTQUOTE.value: "PerfectQuote", Side.BENEFITPOINT.value: "BenefitPoint"}
FAULT_SEED = 7
FAULT_ERROR_RATE = 0.15


def find_and_connect(cast: Cast) -> None:
    context, say = cast.world.context, cast.say
    say.chapter(f"Connect a group: find the BenefitPoint account of {ACCOUNT_NAME}")
    cache = {"sessions": context.sessions, "benefitpoint": context.benefitpoint}
    by_name = accounts.search_accounts(**cache, query="acme")
    say.say(f"search 'acme': {', '.join(f'{a.name} (#{a.account_id})' for a in by_name)}")
    account = by_name[0]
    by_number = accounts.search_accounts(**cache, query=account.account_id)
    say.say(f"search '{account.account_id}': {', '.join(a.name for a in by_number)}")
    accounts.connect(sessions=context.sessions, perfectquote=context.perfectquote,
                     benefitpoint=context.benefitpoint, group_id=GROUP_ID, account_id=account.account_id)
    say.say(f"connected PerfectQuote group {GROUP_ID} to BenefitPoint account #{account.account_id}")


def choose_plans(cast: Cast) -> None:
    context, say = cast.world.context, cast.say
    say.chapter("Choose plans to sync: both systems' plans side by side")
    chooser = {"sessions": context.sessions, "systems": plan_systems(context), "group_id": GROUP_ID}
    rows = plan_choices.side_by_side(**chooser)
    say.table([(r.side, r.plan_id, r.name, r.coverage, r.carrier) for r in rows],
              headers=("system", "plan", "name", "coverage", "carrier"))
    pq = {r.name or "": r.plan_id for r in rows if r.side == Side.PERFECTQUOTE.value}
    bp = {r.coverage or "": r.plan_id for r in rows if r.side == Side.BENEFITPOINT.value}
    # The person choosing reads the names; plansync itself never pairs plans by name.
    cast.plans = {"ppo_pq": next(i for n, i in pq.items() if n.startswith("Gold PPO")),
                  "ppo_bp": bp["medical"], "hdhp": pq["Bronze HDHP 5000"], "vision": bp["vision"],
                  "life": pq["Basic Life 50k"]}
    plans = cast.plans
    plan_choices.choose(**chooser, entries=[
        LinkEntry.merge(plans["ppo_pq"], plans["ppo_bp"], source_of_truth=Side.PERFECTQUOTE),
        LinkEntry.copy(Side.PERFECTQUOTE, plans["hdhp"]),
        LinkEntry.copy(Side.BENEFITPOINT, plans["vision"]),
        LinkEntry.skip(Side.PERFECTQUOTE, plans["life"]),
    ])
    say.say(f"merge pq:{plans['ppo_pq']} with bp:{plans['ppo_bp']} (the PPO); PerfectQuote is the "
            "source of truth")
    say.say(f"copy pq:{plans['hdhp']} (the HDHP) to BenefitPoint and bp:{plans['vision']} (vision) "
            "to PerfectQuote")
    say.say(f"skip pq:{plans['life']} (life); the dental plans stay unreviewed until someone chooses")


def first_sync(cast: Cast) -> None:
    say = cast.say
    say.chapter("Ops runs the group now (a manual sync through the worker)")
    cast.world.actors.sync_group.send(GROUP_ID, "manual")
    cast.world.settle()
    cast.runs_so_far()
    copied = read_plan(cast.benefitpoint, cast.plans["ppo_bp"])
    say.check(copied.benefits.get("deductible.individual") is not None,
              ok="BenefitPoint's PPO now carries PerfectQuote's benefits",
              problem="the merged PPO did not receive PerfectQuote's benefits")


def edits_both_sides(cast: Cast) -> None:
    say = cast.say
    say.chapter("Users edit: one in PerfectQuote, another in BenefitPoint")
    edit_benefit(cast.perfectquote, cast.plans["hdhp"], path="copays.primary_care", value=Decimal("35"))
    say.say("in PerfectQuote, the HDHP's primary care copay becomes $35")
    edit_plan(cast.benefitpoint, cast.plans["vision"], name="Vision Plus 2027")
    say.say("in BenefitPoint, the vision plan is renamed 'Vision Plus 2027'")
    cast.hour_passes()
    hdhp_bp = _linked_plan_id(cast, Side.PERFECTQUOTE, cast.plans["hdhp"])
    vision_pq = _linked_plan_id(cast, Side.BENEFITPOINT, cast.plans["vision"])
    say.check(read_plan(cast.benefitpoint, hdhp_bp).benefits.get("copays.primary_care") == Decimal("35"),
              ok=f"BenefitPoint's copy (bp:{hdhp_bp}) has the $35 copay",
              problem="the PerfectQuote edit did not reach BenefitPoint")
    say.check(read_plan(cast.perfectquote, vision_pq).name == "Vision Plus 2027",
              ok=f"PerfectQuote's copy (pq:{vision_pq}) has the new name",
              problem="the BenefitPoint edit did not reach PerfectQuote")


def same_field_conflict(cast: Cast) -> None:
    say = cast.say
    say.chapter("Both edit the same field of the PPO, to different values")
    edit_benefit(cast.perfectquote, cast.plans["ppo_pq"], path="deductible.individual", value=Decimal("3500"))
    edit_benefit(cast.benefitpoint, cast.plans["ppo_bp"], path="deductible.individual", value=Decimal("3250"))
    say.say("PerfectQuote: individual deductible $3,500; BenefitPoint: $3,250")
    cast.hour_passes()
    with cast.world.context.sessions() as session:
        found = facts.conflicts_of_run(session, cast.last_run_id)
        for conflict in found:
            values = conflict.values
            say.say(f"conflict on {conflict.path}: was {conflict.baseline}, now PerfectQuote "
                    f"{values[Side.PERFECTQUOTE]} and BenefitPoint {values[Side.BENEFITPOINT]}")
            winner = conflict.winner
            outcome = f"{SYSTEM_NAMES[winner.value]} wins" if winner else "held for a person"
            say.say(f"the link's policy decides: {outcome}; the conflict row keeps both values")
    say.check(bool(found), ok="the conflict is recorded with both values",
              problem="no conflict was recorded for the same-field edit")


def fault_survived(cast: Cast) -> None:
    say = cast.say
    say.chapter("BenefitPoint has a bad hour: one call in seven fails with 502")
    before = len(facts.logged_events(cast.world.log_path, "http.retry"))
    failed_before = len(facts.logged_events(cast.world.log_path, "worker.message.failed"))
    cast.admin.faults("benefitpoint", error_rate=FAULT_ERROR_RATE, seed=FAULT_SEED)
    edit_benefit(cast.perfectquote, cast.plans["ppo_pq"], path="copays.specialist", value=Decimal("55"))
    say.say("meanwhile in PerfectQuote, the PPO's specialist copay becomes $55")
    cast.hour_passes()
    injected = cast.admin.faults("benefitpoint", error_rate=0.0)["injected"]["error"]
    retries = len(facts.logged_events(cast.world.log_path, "http.retry")) - before
    failed = len(facts.logged_events(cast.world.log_path, "worker.message.failed")) - failed_before
    say.say(f"BenefitPoint failed {injected} calls; plansync retried {retries} times (http.retry in the log)")
    if failed:
        say.say(f"{failed} worker message(s) failed as a whole and Dramatiq ran them again")
    ppo = read_plan(cast.benefitpoint, cast.plans["ppo_bp"])
    say.check(injected > 0 and ppo.benefits.get("copays.specialist") == Decimal("55"),
              ok="the sync rode out the faults and BenefitPoint has the $55 copay",
              problem="the PPO edit did not survive the faults")


def _linked_plan_id(cast: Cast, side: Side, plan_id: str) -> str:
    context = cast.world.context
    with context.sessions() as session:
        for link in plan_choices.active_links(session, GROUP_ID):
            if link.plan_ids[side] == plan_id:
                return link.plan_ids[side.other] or ""
    raise LookupError(f"{side.short}:{plan_id} is not linked")


CHAPTERS = (find_and_connect, choose_plans, first_sync, edits_both_sides, same_field_conflict, fault_survived)
