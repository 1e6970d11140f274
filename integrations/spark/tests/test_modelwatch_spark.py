"""The Spark job against one `modelwatch analyze` over the same files, on a real local Spark.

Run with `python3 -m pytest integrations/spark/tests` after `swift build -c release` (or set
MODELWATCH_BINARY). Each Spark run starts a JVM: the suite takes a minute or two on an idle
2-core machine.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
JOB = os.path.join(REPO, "integrations", "spark", "modelwatch_spark.py")
sys.path.insert(0, os.path.dirname(JOB))

import modelwatch_spark  # noqa: E402

SEVERITIES = ["info", "low", "medium", "high", "critical"]

# Spark settings for the tests: no UI server, few shuffle partitions, quiet logs.
SPARK_TEST_CONF = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.showConsoleProgress": "false",
}


def find_binary():
    named = os.environ.get("MODELWATCH_BINARY")
    if named:
        if not os.path.isfile(named):
            pytest.fail("MODELWATCH_BINARY=%s is not a file" % named)
        return named
    for candidate in (os.path.join(REPO, ".build", "release", "modelwatch"),
                      os.path.join(REPO, ".build", "debug", "modelwatch")):
        if candidate and os.path.isfile(candidate):
            return candidate
    pytest.skip("no modelwatch binary: run swift build -c release first")


@pytest.fixture(scope="module")
def binary():
    return find_binary()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A 13-file fleet archive (per host, per day, multi-member gzip) plus the sample archive's
    gateway and inference logs (a truncated archive, a rollout, a gap, a scanner...)."""
    root = tmp_path_factory.mktemp("fleet")
    archive = root / "archive"
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "generate_logs.py"), "archive", "--out", str(archive),
                    "--files", "13", "--hosts", "3", "--mb-per-file", "1", "--member-mb", "0.25"],
                   check=True, stdout=subprocess.DEVNULL)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(archive) for f in fs)
    assert len(files) == 13
    return archive


def spark_env():
    env = dict(os.environ)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return env


def run_spark(binary, paths, events, master="local[2]", extra=(), cwd=REPO):
    """Runs the job with python3 (no spark-submit): (exit status, summary on stdout, stderr)."""
    conf = []
    for key, value in SPARK_TEST_CONF.items():
        conf += ["--conf", "%s=%s" % (key, value)]
    command = [sys.executable, JOB, "--master", master, "--modelwatch", binary, "--events", str(events)]
    command += conf + list(extra) + [str(p) for p in paths]
    done = subprocess.run(command, cwd=cwd, env=spark_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=900)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def run_analyze(binary, paths, events, extra=(), cwd=REPO):
    done = subprocess.run([binary, "analyze", "--no-progress", "--events", str(events)] + list(extra)
                          + [str(p) for p in paths], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=900)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def events_of(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# What makes an incident the same incident: everything but the evidence and the message. A few
# evidence numbers come from bounded samples (the abuse detector's per-client query sample, the
# heavy-hitter table's overflow count) and depend on how the input was divided among workers:
# one `analyze --threads 1` and one `--threads 2` differ in them too, so shards cannot be held to
# them either. Everything else must be equal.
INCIDENT_FIELDS = ("id", "type", "severity", "start", "end", "entity", "controls", "count", "atlas", "owasp")

# Summary lines that depend on the division of work in the same way (see above).
PARTITION_DEPENDENT = ("records of keys too rare to track",)


def medium_plus(events):
    return sorted(({k: e.get(k) for k in INCIDENT_FIELDS} for e in events
                   if SEVERITIES.index(e["severity"]) >= SEVERITIES.index("medium")), key=lambda e: e["id"])


def figures(summary):
    """The summary a person reads, up to its list of events (compared as events), without the
    line that says how long the run took and the lines that depend on the division of work."""
    lines = summary.splitlines()
    ending = next(i for i, line in enumerate(lines) if line.startswith("Events ("))
    return [line for line in lines[:ending] if not any(text in line for text in PARTITION_DEPENDENT)]


def assert_same_answers(spark_events, spark_summary, single_events, single_summary):
    ours, theirs = events_of(spark_events), events_of(single_events)
    assert medium_plus(ours) == medium_plus(theirs)
    # Every event, not only medium+: the same incidents.
    assert sorted(json.dumps({k: e.get(k) for k in INCIDENT_FIELDS}, sort_keys=True) for e in ours) == \
        sorted(json.dumps({k: e.get(k) for k in INCIDENT_FIELDS}, sort_keys=True) for e in theirs)
    ours_figures, their_figures = figures(spark_summary), figures(single_summary)
    # The figures were really compared: a full summary with the per-source table in it.
    assert len(ours_figures) > 40 and any(
        " inference " in line and " gzip " in line for line in ours_figures)
    assert ours_figures == their_figures


def assert_identical(first_events, first_summary, second_events, second_summary):
    """Two runs over the same shards: equal to the byte, evidence included (the retry bar)."""
    with open(first_events, "rb") as one, open(second_events, "rb") as two:
        assert one.read() == two.read()
    strip = [line for line in first_summary.splitlines() if not line.startswith("Read ")]
    assert strip == [line for line in second_summary.splitlines() if not line.startswith("Read ")]


@pytest.fixture(scope="module")
def single_run(binary, fleet, tmp_path_factory):
    """One `analyze` over the fleet archive and the samples: the answers the job must give."""
    out = tmp_path_factory.mktemp("single")
    status, summary, stderr = run_analyze(binary, [fleet, "samples"], out / "events.jsonl")
    assert status == 0, stderr
    return out / "events.jsonl", summary


@pytest.fixture(scope="module")
def clean_spark_run(binary, fleet, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark")
    # About 1.3 MB of files: 0.4 MB shards make several shards of a few files each.
    status, summary, stderr = run_spark(binary, [fleet, "samples"], out / "events.jsonl",
                                        extra=["--shard-mb", "0.4", "--keep-states", str(out / "states")])
    assert status == 0, stderr
    return out, summary, stderr


def test_the_job_gives_the_same_answers_as_one_analyze(single_run, clean_spark_run, fleet):
    single_events, single_summary = single_run
    out, summary, stderr = clean_spark_run
    shards = modelwatch_spark.make_shards(
        modelwatch_spark.list_local(str(fleet)) + modelwatch_spark.list_local(os.path.join(REPO, "samples")),
        int(0.4 * modelwatch_spark.MEBIBYTE))
    assert len(shards) >= 4
    assert len(os.listdir(out / "states")) == len(shards)
    assert "20 files in %d shards analysed, %d states merged" % (len(shards), len(shards)) in stderr
    assert len(medium_plus(events_of(single_events))) >= 3  # the comparison is not vacuous
    assert_same_answers(out / "events.jsonl", summary, single_events, single_summary)


def test_a_task_killed_once_and_retried_changes_no_figure(binary, fleet, single_run, clean_spark_run,
                                                           tmp_path):
    single_events, single_summary = single_run
    clean_out, clean_summary, _ = clean_spark_run
    marker = tmp_path / "killed.txt"
    # local[2,3]: two cores, a task may fail up to 3 times, so Spark retries it here.
    status, summary, stderr = run_spark(
        binary, [fleet, "samples"], tmp_path / "events.jsonl", master="local[2,3]",
        extra=["--shard-mb", "0.4", "--test-kill-first-attempt", "2", "--test-failure-marker", str(marker)])
    assert status == 0, stderr
    assert marker.read_text() == "killed shard 2 attempt 0\n"
    assert_identical(tmp_path / "events.jsonl", summary, clean_out / "events.jsonl", clean_summary)
    assert_same_answers(tmp_path / "events.jsonl", summary, single_events, single_summary)


def test_files_behind_uris_keep_their_names(binary, tmp_path):
    """`file:` URIs go the way s3a:// and hdfs:// objects go (Hadoop listing, Spark hands the
    bytes to the task, a local copy analysed under its URI); the truncated archive's event names
    its URI, and the answers equal one analyze that reports the same names."""
    samples = os.path.join(REPO, "samples")
    status, summary, stderr = run_spark(binary, ["file://" + samples], tmp_path / "events.jsonl",
                                        extra=["--shard-mb", "0.5"])
    assert status == 0, stderr
    truncated = [e for e in events_of(tmp_path / "events.jsonl")
                 if e["type"].startswith("ops.logging.integrity") and e["entity"].get("source", "").endswith(
                     "inf-2/2026-11-15-partial.jsonl.gz")]
    assert len(truncated) == 1
    assert truncated[0]["entity"]["source"] == "file:" + samples + "/inference/inf-2/2026-11-15-partial.jsonl.gz"
    assert "file:" + samples + "/gateway/access.log.1.gz" in summary

    listed = [{"path": entry["open"], "name": "file:" + entry["open"]}
              for entry in modelwatch_spark.list_local(samples)]
    (tmp_path / "list.json").write_text(json.dumps(listed))
    status, single_summary, stderr = run_analyze(binary, [], tmp_path / "single.jsonl",
                                                 extra=["--inputs-from", str(tmp_path / "list.json")])
    assert status == 0, stderr
    assert_same_answers(tmp_path / "events.jsonl", summary, tmp_path / "single.jsonl", single_summary)


def test_fail_on_and_usage_errors_give_the_documented_exit_status(binary, tmp_path):
    status, _, stderr = run_spark(binary, ["samples/gateway"], tmp_path / "events.jsonl",
                                  extra=["--fail-on", "medium"])
    assert status == 1, stderr
    status, _, stderr = run_spark(binary, ["samples/no-such-dir"], tmp_path / "events.jsonl")
    assert status == 2 and "no such file or directory: samples/no-such-dir" in stderr
    bad = tmp_path / "bad-config.json"
    bad.write_text("{not json")
    status, _, stderr = run_spark(binary, ["samples/gateway"], tmp_path / "events.jsonl",
                                  extra=["--config", str(bad)])
    assert status == 2, stderr
    assert "refused" in stderr


# ---------------------------------------------------------------------------------------------
# The driver's listing and sharding, without Spark


def test_local_listing_follows_modelwatchs_walk(tmp_path):
    for relative in ["b/2.log", "b/1.log", "a.log", ".hidden/x.log", "b/.x.log", "b/NOTES.md", "Z.log"]:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x" * len(relative))
    names = [entry["name"] for entry in modelwatch_spark.list_local(str(tmp_path) + "/")]
    assert names == [str(tmp_path) + "/" + n for n in ["Z.log", "a.log", "b/1.log", "b/2.log"]]
    only = modelwatch_spark.list_local(str(tmp_path / "b" / "NOTES.md"))
    assert [entry["size"] for entry in only] == [len("b/NOTES.md")]
    with pytest.raises(modelwatch_spark.UsageError):
        modelwatch_spark.list_local(str(tmp_path / "missing"))
    with pytest.raises(modelwatch_spark.UsageError):
        modelwatch_spark.list_local("-")


def test_shards_are_bounded_ordered_and_never_split_a_file():
    sizes = [5, 3, 9, 1, 1, 1, 20, 2, 7, 7]
    files = [{"name": "f%d" % i, "open": "/f%d" % i, "size": s} for i, s in enumerate(sizes)]
    for limit in range(1, 30):
        shards = modelwatch_spark.make_shards(files, limit)
        assert [e for shard in shards for e in shard] == files
        for shard in shards:
            assert len(shard) == 1 or sum(e["size"] for e in shard) <= limit
        for first, second in zip(shards, shards[1:]):
            # Greedy: the next file did not fit.
            assert sum(e["size"] for e in first) + second[0]["size"] > limit
    mixed = files[:2] + [{"name": "s3a://b/k", "uri": "s3a://b/k", "size": 1}] + files[2:3]
    assert [len(s) for s in modelwatch_spark.make_shards(mixed, 100)] == [2, 1, 1]


def test_a_shard_key_depends_on_its_files_not_their_order():
    one = [{"name": "a", "size": 1}, {"name": "b", "size": 2}]
    key = modelwatch_spark.shard_key(one)
    assert key == modelwatch_spark.shard_key(list(reversed(one)))
    assert key != modelwatch_spark.shard_key([{"name": "a", "size": 1}, {"name": "b", "size": 3}])
    assert key != modelwatch_spark.shard_key([{"name": "a", "size": 1}])


def test_duplicate_results_are_kept_once_and_gaps_are_refused():
    files = [{"name": n, "size": 1} for n in "abc"]
    shards = [files[:2], files[2:]]
    first, second = (modelwatch_spark.shard_key(s) for s in shards)
    results = [(second, ["c"], b"2", None), (first, ["a", "b"], b"1", None), (first, ["b", "a"], b"1-again", None)]
    assert modelwatch_spark.kept_states(files, shards, results) == [(first, b"1"), (second, b"2")]
    with pytest.raises(RuntimeError):
        modelwatch_spark.kept_states(files, shards, results[1:])
    with pytest.raises(modelwatch_spark.UsageError):
        modelwatch_spark.kept_states(files, shards, [(second, ["c"], None, "bad config")] + results[1:])


def test_uris_are_told_from_paths():
    for uri in ["s3a://bucket/key", "hdfs://nn:8020/logs", "file:/tmp/x", "file:///tmp/x", "gs://b/o"]:
        assert modelwatch_spark.is_uri(uri)
    for path in ["/tmp/x", "samples", "C:/logs", "./a:b", "logs/2026-11-01T00:00.log"]:
        assert not modelwatch_spark.is_uri(path)
