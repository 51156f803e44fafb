"""The ``treatybot`` command line (also ``python -m bot``).

Long because every command is here, each a short function over ``bot.core`` and ``bot.config``;
``--topic ID`` picks a topic of a watchlist with several (default: the first).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot._version import __version__
from bot.config import DEFAULT_NAME, Watchlist, check_watchlist, load_watchlist
from bot.errors import ConfigError, TreatybotError
from bot.store import DB_NAME, Database

log = logging.getLogger("bot")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--watchlist and --state, accepted by every subcommand."""

    @click.option("--watchlist", "watchlist_path", type=click.Path(path_type=Path),
                  default=Path("watchlist.yaml"), envvar="TREATYBOT_WATCHLIST", show_default=True,
                  help="The watchlist file (env TREATYBOT_WATCHLIST).")
    @click.option("--state", "state_dir", type=click.Path(path_type=Path), default=Path("state"),
                  envvar="TREATYBOT_STATE", show_default=True,
                  help="Folder for the state database (env TREATYBOT_STATE).")
    @click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
    @click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors in the log.")
    @click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
                  envvar="TREATYBOT_LOG_FORMAT", show_default=True,
                  help="json: one JSON object per log line, for log shippers.")
    @functools.wraps(func)
    def wrapper(*args: Any, verbose: int, quiet: bool, log_format: str, **kwargs: Any) -> Any:
        _setup_logging(verbose, quiet, log_format)
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(1)
        except TreatybotError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback if any)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def _setup_logging(verbose: int, quiet: bool, log_format: str = "text") -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("bot").setLevel(level)
    if verbose < 2:
        for noisy in ("apscheduler", "aiohttp", "discord"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _topic_and_feeds(watchlist_path: Path) -> tuple[str, list[str] | None]:
    """The topic's name and the watched feeds' names for read-only commands; they work even
    with a broken watchlist (the default name, and every feed the state has read)."""
    watchlist, problems = check_watchlist(watchlist_path)
    if watchlist is None:
        if watchlist_path.exists():
            click.echo(f"warning: {watchlist_path} has problems (see `treatybot validate`)",
                       err=True)
        return DEFAULT_NAME, None
    return watchlist.topic.name, [feed.name for feed in watchlist.feeds]


def _open_db(state_dir: Path) -> Database | None:
    if not (state_dir / DB_NAME).exists():
        return None
    return Database.in_folder(state_dir)


def _topic_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--topic", "topic_id", default=None, metavar="ID",
                        help="Which topic (its id in `topics:`); default: the first.")(func)


def _chosen_topic(watchlist_path: Path, topic_id: str | None) -> tuple[str | None, str]:
    """(None for the first topic, or the id of another; its name). An unknown id is an error."""
    watchlist, _ = check_watchlist(watchlist_path)
    if watchlist is None:
        if topic_id is not None:
            raise click.ClickException(
                f"--topic {topic_id}: {watchlist_path} has problems (see `treatybot validate`)")
        return None, DEFAULT_NAME
    entry = watchlist.topic_entry(topic_id)
    if entry is None:
        known = ", ".join(t.id for t in watchlist.topics)
        raise click.ClickException(f"no topic `{topic_id}` in {watchlist_path} (topics: {known})")
    return (None if entry is watchlist.topics[0] else entry.id), entry.name


def _open_topic_db(state_dir: Path, topic_id: str | None) -> Database | None:
    """The first topic's database (``topic_id`` None), or another topic's, if it exists."""
    if topic_id is None:
        return _open_db(state_dir)
    from bot.core.app import TOPICS_FOLDER

    path = state_dir / TOPICS_FOLDER / f"{topic_id}.sqlite3"
    return Database(path) if path.exists() else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="treatybot")
def main() -> None:
    """Follow a treaty in the news (the watchlist's topic, by default the packaged one) and post
    its status."""


def _http_address(ctx: click.Context, param: click.Parameter,
                  value: str | None) -> tuple[str, int] | None:
    if value is None:
        return None
    from bot.interfaces.web import parse_http_address

    try:
        return parse_http_address(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.option("--once", is_flag=True, help="One full cycle (seeds, every feed once, delivery), then exit.")
@click.option("--http", "http_address", default=None, metavar="HOST:PORT", envvar="TREATYBOT_HTTP",
              callback=_http_address,
              help="Serve /, /healthz, /status.json, /metrics (and /slack/commands when "
                   "SLACK_SIGNING_SECRET is set) on HOST:PORT, e.g. 127.0.0.1:8080. Off by default.")
@common_options
def run(watchlist_path: Path, state_dir: Path, once: bool,
        http_address: tuple[str, int] | None) -> None:
    """Load the baseline, watch the feeds and post digests."""
    from bot.interfaces.assemble import make_app

    watchlist = _watchlist_for_run(watchlist_path, state_dir, once)
    if once and http_address:
        click.echo("note: --http is ignored with --once (nothing stays up to answer)", err=True)
        http_address = None
    asyncio.run(_run(make_app(watchlist, state_dir, progress=sys.stderr.isatty()), once,
                     http_address))


def _watchlist_for_run(path: Path, state_dir: Path, once: bool) -> Watchlist:
    """The watchlist to run with. A broken one stops ``--once`` (a person is watching); the
    long-running bot starts instead with the last good one its state folder kept, and its
    watcher posts a ``config_error`` digest until the file is fixed: a typo must not take
    the bot down, nor keep it in a restart loop."""
    from bot.core.settings import saved_watchlist

    watchlist, problems = check_watchlist(path)
    if watchlist is not None:
        return watchlist
    saved = None if once else saved_watchlist(state_dir, path)
    if saved is None:
        raise ConfigError(problems)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"warning: {path} has {len(problems)} problem(s); running with the last good "
               "watchlist this state folder used until it is fixed", err=True)
    return saved


async def _run(app: Any, once: bool, http: tuple[str, int] | None = None) -> None:
    await app.start()
    runner = None
    try:
        if http is not None:
            from bot.interfaces.web import create_web_app, serve_web

            secret = os.environ.get("SLACK_SIGNING_SECRET") or None  # never logged
            web_app = create_web_app(app.service, slack_signing_secret=secret)
            runner = await serve_web(web_app, *http)
            log.info("status page on http://%s:%d/ (Slack commands %s)", http[0], http[1],
                     "on" if secret else "off: SLACK_SIGNING_SECRET not set")
        if once:
            # a discord output posts through the bot: connect it first (bounded wait)
            await app.start_connectors(only_for_outputs=True)
            report = await app.run_once()
            for poll in report.polls:
                if not poll.ok and not poll.skipped:
                    click.echo(f"feed {poll.feed} failed: {poll.error}", err=True)
            click.echo(report.summary(), err=True)
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await app.run_forever(stop)
    finally:
        if runner is not None:
            await runner.cleanup()  # before app.close(): the handlers read app.db
        await app.close()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_topic_option
@common_options
def status(watchlist_path: Path, state_dir: Path, as_json: bool, topic_id: str | None) -> None:
    """The treaty's current status with its evidence."""
    from bot.core.views import empty_status, status_report, status_text

    topic, watched = _topic_and_feeds(watchlist_path)
    other, name = _chosen_topic(watchlist_path, topic_id) if topic_id else (None, topic)
    db = _open_topic_db(state_dir, other)
    feeds_db = _open_db(state_dir) if other is not None else None
    report = (empty_status(name, watched) if db is None
              else status_report(db, name, watched, feeds_db=feeds_db))
    if as_json:
        _echo_json(report)
    else:
        click.echo(status_text(report))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_topic_option
@common_options
def history(watchlist_path: Path, state_dir: Path, as_json: bool, topic_id: str | None) -> None:
    """The status changes, oldest first."""
    from bot.core.views import history_report, history_text

    other = _chosen_topic(watchlist_path, topic_id)[0] if topic_id else None
    db = _open_topic_db(state_dir, other)
    rows = history_report(db) if db else []
    if as_json:
        _echo_json(rows)
    else:
        click.echo(history_text(rows))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--relevant", is_flag=True, help="Only articles about the treaty.")
@_topic_option
@common_options
def sources(watchlist_path: Path, state_dir: Path, as_json: bool, relevant: bool,
            topic_id: str | None) -> None:
    """The articles read, with what each reports."""
    from bot.core.views import sources_report, sources_text

    other = _chosen_topic(watchlist_path, topic_id)[0] if topic_id else None
    db = _open_topic_db(state_dir, other)
    rows = sources_report(db, relevant_only=relevant) if db else []
    if as_json:
        _echo_json(rows)
    else:
        click.echo(sources_text(rows))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common_options
def feeds(watchlist_path: Path, state_dir: Path, as_json: bool) -> None:
    """Each feed's health: last success, last error, failures in a row."""
    from bot.core.views import feeds_report, feeds_text, unchecked_feeds

    watchlist = load_watchlist(watchlist_path)
    configured = [{"name": f.name, "url": f.url, "interval": watchlist.feed_interval(f)}
                  for f in watchlist.feeds]
    db = _open_db(state_dir)
    if db is None:
        rows, disabled = unchecked_feeds(configured), {}
    else:
        rows, disabled = feeds_report(db, configured), db.disabled_outputs()
    if as_json:
        _echo_json(rows)
    else:
        click.echo(feeds_text(rows, disabled))


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@common_options
def validate(watchlist_path: Path, state_dir: Path, path: Path | None) -> None:
    """Check a watchlist; exit 1 with one line per problem."""
    target = path or watchlist_path
    watchlist, problems = check_watchlist(target)
    if problems or watchlist is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(watchlist.summary())
    if not watchlist.seeds_dir.is_dir():  # allowed (no baseline), but rarely meant
        click.echo(f"warning: the seeds folder {watchlist.seeds_dir} does not exist: the bot "
                   "starts without a baseline", err=True)
    click.echo("OK")


@main.group()
def watch() -> None:
    """List, add and remove the watchlist's feeds; comments and layout are kept.

    An edit is checked like `treatybot validate` before it is written: on any problem it is
    refused with one line per problem, exit 1, and the file is left as it was. A running bot
    reloads the watchlist within a few seconds.
    """


@watch.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common_options
def watch_list(watchlist_path: Path, state_dir: Path, as_json: bool) -> None:
    """The feeds in the watchlist file, with how often each is polled."""
    from bot.config.edit import list_feeds

    entries = list_feeds(watchlist_path)
    if as_json:
        _echo_json([e.to_json() for e in entries])
    elif not entries:
        click.echo(f"No feeds in {watchlist_path}.")
    else:
        click.echo(f"Feeds in {watchlist_path} ({len(entries)}):")
        for entry in entries:
            click.echo(f"  - {entry.describe()}")


@watch.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--interval", default=None, metavar="DURATION",
              help="Poll it this often, e.g. 30m or 1h30m (default: poll.interval).")
@common_options
def watch_add(watchlist_path: Path, state_dir: Path, name: str, url: str,
              interval: str | None) -> None:
    """Add the feed NAME at URL (http or https; local addresses need allow_local: true)."""
    from bot.config.edit import add_feed

    result = add_feed(watchlist_path, name, url, interval=interval)
    click.echo(f"{result.describe()}; a running bot polls it within a few seconds")


@watch.command("remove")
@click.argument("name")
@common_options
def watch_remove(watchlist_path: Path, state_dir: Path, name: str) -> None:
    """Remove the feed NAME (case-insensitive); what was read from it stays in the state."""
    from bot.config.edit import remove_feed

    result = remove_feed(watchlist_path, name)
    click.echo(f"{result.describe()}; a running bot stops polling it within a few seconds")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common_options
def topics(watchlist_path: Path, state_dir: Path, as_json: bool) -> None:
    """Each topic: its id, name, status and since when."""
    watchlist = load_watchlist(watchlist_path)
    rows = []
    for i, entry in enumerate(watchlist.topics):
        db = _open_topic_db(state_dir, None if i == 0 else entry.id)
        current: dict[str, Any] = dict((db.current_status() if db is not None else None) or {})
        rows.append({"id": entry.id, "name": entry.name, "status": current.get("status"),
                     "party": current.get("party"), "since": current.get("since")})
        if db is not None:
            db.close()
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        state = row["status"] or "no status yet"
        if row["party"] and row["status"] == "ratified":
            state += f" by {row['party']}"
        since = f" since {row['since']}" if row["since"] else ""
        click.echo(f"{row['id']}: {row['name']} — {state}{since}")


@main.command("eval")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--file", "eval_file", type=click.Path(path_type=Path, exists=True), default=None,
              help="A labelled JSONL file (default: bot/analysis/data/status_eval.jsonl).")
@click.option("--replay", "replay_files", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Replay labelled real reports (tests/data/real/*.json; repeat for several "
                   "files of one treaty) day by day and judge the status after each day.")
@_topic_option
@common_options
def eval_command(watchlist_path: Path, state_dir: Path, as_json: bool,
                 eval_file: Path | None, replay_files: tuple[Path, ...],
                 topic_id: str | None) -> None:
    """Precision and recall of the sentence classifier on the labelled set; with --replay,
    the status after each day of real reports, and how many articles were read as labelled."""
    if replay_files:
        _eval_replay(watchlist_path, replay_files, topic_id, as_json)
        return
    from bot.analysis.classify import SentenceClassifier
    from bot.analysis.evaluate import DEFAULT_EVAL_FILE, evaluate
    from bot.analysis.relevance import TopicMatcher
    from bot.core.settings import topic_from

    path = eval_file or DEFAULT_EVAL_FILE
    if not path.exists():
        raise click.ClickException(
            f"no labelled set at {path}: it ships inside the package "
            "(bot/analysis/data); reinstall treatybot, or pass --file")
    watchlist, _ = check_watchlist(watchlist_path)
    if topic_id is not None:
        _chosen_topic(watchlist_path, topic_id)  # an unknown id is an error
    entry = watchlist.topic_entry(topic_id) if watchlist else None
    topic = entry.to_topic() if entry is not None and topic_id else None
    classifier = (SentenceClassifier(TopicMatcher(topic or topic_from(watchlist)))
                  if watchlist else None)
    report = evaluate(path, classifier)
    if as_json:
        _echo_json(report.to_json())
    else:
        click.echo(f"{report.total} labelled sentences and headlines\n")
        click.echo(report.table())




def _eval_replay(watchlist_path: Path, files: tuple[Path, ...], topic_id: str | None,
                 as_json: bool) -> None:
    """``eval --replay``: the files' own ``topic`` when they have one, else the watchlist's."""
    from bot.config.sections import TopicConfig
    from bot.config.topic import DEFAULT_TOPIC
    from bot.core.replay import load_reports, replay
    from bot.core.settings import settings_from

    try:
        reports, section = load_reports(files)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(f"not a replay file: {exc}") from exc
    watchlist, _ = check_watchlist(watchlist_path)
    if section is not None:
        topic = TopicConfig.model_validate(section).to_topic()
    else:
        entry = watchlist.topic_entry(topic_id) if watchlist else None
        topic = entry.to_topic() if entry is not None else DEFAULT_TOPIC
    result = replay(reports, topic, settings_from(watchlist) if watchlist else None)
    if as_json:
        _echo_json(result.to_json())
    else:
        click.echo(result.text())


if __name__ == "__main__":  # pragma: no cover
    main()
