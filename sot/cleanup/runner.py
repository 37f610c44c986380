"""One run of ``sot clean`` without its terminal: plan, ask (through what is passed in),
delete. The questions, the signal check and the moment between planning and deleting are
parameters, so tests drive every path with fakes and real files under tmp."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sot.cleanup.delete import Outcome, delete_target
from sot.cleanup.plan import Conditions, FileId, PlanStopped, TargetPlan, plan
from sot.cleanup.targets import Roots, TargetSpec


class Answer(enum.Enum):
    YES = "y"
    NO = "n"
    ALL = "a"  # this target and every one after it, without asking again
    QUIT = "q"  # stop now: nothing (more) is deleted


@dataclass(frozen=True, slots=True)
class Run:
    plans: tuple[TargetPlan, ...]
    outcomes: dict[str, Outcome]
    quit: bool = False
    stopped: bool = False
    chosen: tuple[str, ...] = ()  # the targets answered yes (all of them with --yes)


def has_work(target: TargetPlan) -> bool:
    return target.skipped is None and bool(target.files or target.directories)


def choose(
    plans: tuple[TargetPlan, ...], ask: Callable[[TargetPlan], Answer] | None
) -> tuple[list[TargetPlan], bool]:
    """The targets to delete, asking ``ask`` for each (``None``: all, as with ``--yes``);
    and whether the person quit (then none)."""
    chosen = []
    for target in plans:
        if not has_work(target):
            continue
        answer = Answer.YES if ask is None else ask(target)
        if answer is Answer.QUIT:
            return [], True
        if answer is Answer.ALL:
            ask = None
        if answer is not Answer.NO:
            chosen.append(target)
    return chosen, False


def run_clean(
    specs: tuple[TargetSpec, ...],
    every_spec: tuple[TargetSpec, ...],
    roots: Roots,
    conditions: Conditions,
    *,
    dry_run: bool,
    ask: Callable[[TargetPlan], Answer] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    after_plan: Callable[[tuple[TargetPlan, ...]], None] = lambda plans: None,
    before_delete: Callable[[], None] = lambda: None,
    record: bool = False,
    in_use: Callable[[], frozenset[FileId]] = frozenset,
) -> Run:
    """Plan ``specs``; unless ``dry_run``, ask and delete the chosen ones in the plan's order.
    ``should_stop`` (a signal arrived) is asked in every directory scanned and between files
    deleted: a stop while scanning returns no plans at all.
    ``after_plan`` shows the plan (the table); ``before_delete`` runs between the answers and
    the first deletion (tests change the tree there). ``in_use`` reads the files open now
    again just before each target is deleted (a file opened while the person was asked)."""
    try:
        plans = plan(specs, roots, conditions, every_spec, should_stop)
    except PlanStopped:
        return Run((), {}, stopped=True)
    after_plan(plans)
    if dry_run:
        return Run(plans, {})
    chosen, quit = choose(plans, ask)
    names = tuple(target.spec.name for target in chosen)
    if quit or should_stop():
        return Run(plans, {}, quit=quit, stopped=not quit, chosen=() if quit else names)
    before_delete()
    outcomes: dict[str, Outcome] = {}
    for target in chosen:
        outcome = delete_target(target, should_stop, record, in_use())
        outcomes[target.spec.name] = outcome
        if outcome.stopped:
            return Run(plans, outcomes, stopped=True, chosen=names)
    return Run(plans, outcomes, chosen=names)
