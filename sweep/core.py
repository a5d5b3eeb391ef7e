"""The one orchestrator: plan, claim the folder, start Ray, run the trials and baselines, summarise, write.

`execute` prints nothing: what a person should see while it runs goes to `say` (the CLI and the API
pass `print`), and what it computed comes back as `Finished`, which `sweep.reports.console` prints.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from sweep.config.model import SweepConfig
from sweep.data.catalogue import Catalogue
from sweep.execution.baseline_tasks import collect_baselines, submit_baselines
from sweep.execution.cluster import alive_nodes, check_resources, start_ray
from sweep.execution.failures import error_reason, node_addresses, nodes_lost_since
from sweep.execution.preflight import check_nodes, expected_versions
from sweep.execution.tasks import map_as_tasks
from sweep.execution.tuner import run_tuner
from sweep.planning.plan import SweepPlan, build_plan
from sweep.planning.season import with_season
from sweep.reports.files import forecast_sink, write_manifest, write_results
from sweep.results.decode import unfinished
from sweep.results.outcome import Finished, Outcome, summarize_sweep
from sweep.results.reference import reference_line
from sweep.results.summary import robust_choices
from sweep.search.confirmation import chosen_points, confirmation_frame
from sweep.storage.folder import ResultsFolder, StorageFailed
from sweep.storage.layout import CONFIRMATION_FILE
from sweep.storage.sweep_folder import check_same_data, claim, results_folder, save_start, starts_afresh

LOST_NODE_PATIENCE_S = 60  # Ray declares a node dead after its health checks fail for ~30 s (Ray 2.60's defaults)


def execute(
    config: SweepConfig, loaded: Catalogue, address: str | None = None, num_cpus: int | None = None, resume: bool | str = False,
    worker_logs: bool = False, resume_hint: str = "the same call with resume=True", dashboard: bool = False,
    say: Callable[[str], None] = print,
) -> Finished:  # fmt: skip
    """Run (or resume) a sweep on the series of `loaded` and write its results; bad input raises ConfigError before Ray starts."""
    config, season_note = with_season(config, loaded)
    plan = build_plan(config, loaded.values)
    catalogue = loaded.only(plan.origins)  # skipped series (`data.short_series: skip`) leave
    folder = results_folder(config)
    with claim(folder):  # held until the sweep ends, however it ends
        fresh = starts_afresh(folder, config, resume, resume_hint)
        if not fresh:
            check_same_data(folder, catalogue.values, config.data.source_label)
        started = time.perf_counter()
        say(start_ray(config, address, num_cpus, worker_logs, dashboard))
        resource_note = check_resources(config)
        if address or os.environ.get("RAY_ADDRESS"):  # a cluster's nodes bring their own installations; a local Ray shares ours
            check_nodes(expected_versions())
        if fresh:
            save_start(folder, config, catalogue.values)
        say(f"data: {loaded.provenance}")
        for note in [*([season_note] if season_note else []), *plan.notes, *([resource_note] if resource_note else [])]:
            say(f"note: {note}")
        if resume is True and fresh:
            say(f"note: {folder} held nothing computed yet; the sweep starts afresh")
        try:
            return _run(config, plan, catalogue, folder, fresh, started)
        except ConnectionError:  # the cluster, not the storage
            raise
        except OSError as error:  # pyarrow's errors: a full disk, a store that stopped answering
            raise StorageFailed(
                f"the sweep's storage failed ({error_reason(str(error))}) at {folder}; the trials saved there before are kept: "
                f"once it has room or answers again, resume with `{resume_hint}`"
            ) from None


def _run(config: SweepConfig, plan: SweepPlan, catalogue: Catalogue, folder: ResultsFolder, fresh: bool, started: float) -> Finished:
    """The trials and baselines, their summary and files."""
    baseline_tasks = submit_baselines(config, plan, catalogue.values)
    nodes = node_addresses()
    trials = run_tuner(config, plan, catalogue.values, folder, resume=not fresh)
    failed_on_a_cluster = len(nodes) > 1 and any(trial.failures for trial in trials)  # perhaps a node lost: wait for the verdict
    lost_nodes = nodes_lost_since(nodes, patience=LOST_NODE_PATIENCE_S if failed_on_a_cluster else 0)
    if unfinished(trials):
        return Finished(folder, plan, config, unfinished=unfinished(trials), lost_nodes=lost_nodes)
    baselines = collect_baselines(baseline_tasks)
    with forecast_sink(folder) as sink:
        outcome = summarize_sweep(config, plan, trials, catalogue, baselines, sink, map_tasks=map_as_tasks)
    persistence = reference_line(config, catalogue)
    write_results(folder, config, plan, outcome, catalogue, persistence, time.perf_counter() - started, len(alive_nodes()))
    if config.search.confirm:
        confirmation = _confirm(config, plan, catalogue, folder, outcome, fresh)
        if confirmation is None:
            return Finished(folder, plan, config, outcome, persistence, unfinished=1, while_confirming=True, lost_nodes=lost_nodes)
        outcome = outcome.confirmed(confirmation)
    write_manifest(folder)
    wall_seconds = time.perf_counter() - started
    return Finished(folder, plan, config, outcome, persistence, wall_seconds=wall_seconds, lost_nodes=lost_nodes)


def _confirm(config: SweepConfig, plan: SweepPlan, catalogue: Catalogue, folder: ResultsFolder, outcome: Outcome, fresh: bool):
    """Each study's robust choice re-run on fresh seeds (`sweep.search.confirmation`); None when interrupted."""
    choices = robust_choices(outcome.single_statistics, outcome.trials)
    trials = run_tuner(config, plan, catalogue.values, folder, resume=not fresh, confirming=chosen_points(choices))
    if unfinished(trials):
        return None
    frame = confirmation_frame(trials, choices, outcome.trials, config.evaluation.metric, config.evaluation.selection_origins)
    folder.write_csv(CONFIRMATION_FILE, frame)
    return frame
