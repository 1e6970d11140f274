#!/usr/bin/env python3
"""Run modelwatch as an Apache Spark job: one `analyze --save-state` per shard, one `merge`.

    spark-submit integrations/spark/modelwatch_spark.py PATH... --events FILE [options]
    python3 integrations/spark/modelwatch_spark.py --master 'local[2]' PATH... --events FILE [options]

PATH is a local or shared-file-system path (a file or a directory, walked as `modelwatch
analyze` walks it) or any Hadoop-compatible URI Spark can read (`s3a://`, `hdfs://`, `file:`;
globs allowed), listed through Spark's Hadoop FileSystem API on the driver.

The files are grouped, in listing order, into shards of at most `--shard-mb` MB; a shard never
splits a file (a gzip member stream and a time-ordered log stay whole), and a file larger than
the limit is a shard of its own. Each shard is one Spark task that runs the same `modelwatch`
binary (`analyze --inputs-from LIST --save-state FILE`) and returns the state file's bytes.
Local paths are read in place; files behind a URI are read by Spark (`binaryFiles`), written to
the task's temporary folder and analysed under their original URI (the input list maps each
copy to its name), so events still say which file of the shard was truncated.

Each state is keyed by its shard's file list (a hash of the sorted names and sizes). The driver
keeps one state per key, checks that every listed file is in exactly one kept state, and runs
`modelwatch merge` once with the output options. A task that fails and is retried, or a
speculative duplicate, therefore never counts its shard twice.

Exit status: that of `modelwatch merge` (0, 1 for `--fail-on`, 3 for an output it could not
write); 2 for a usage error (a missing path, a shard's analyze refusing an option).
"""

import argparse
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Options passed through to each shard's `modelwatch analyze` (they shape what is read and
# recorded), with whether the value names a file that the executors must be sent.
ANALYZE_OPTIONS = {
    "--access-format": False,
    "--input-format": None,  # a preset name or a mapping file: shipped when it is a file
    "--window-seconds": False,
    "--line-cap": False,
}
# Options read both by the shards (what they record) and by the merge (what it judges): the
# configuration names approved changes and thresholds, the baseline the drift references.
SHARED_FILE_OPTIONS = ("--config", "--baseline")
# Options of `modelwatch merge` only: what it writes and when it fails.
MERGE_OPTIONS = ("--events", "--fail-on", "--report", "--summary-json", "--events-format", "--top")

# The name of the SwiftPM resource bundle that a development build of modelwatch reads its
# probe signature lists from, next to the binary (see README "Running on Spark").
RESOURCE_BUNDLE = "modelwatch_ModelWatchCore.resources"

# The state file each shard's analyze writes in its temporary folder.
STATE_NAME = "shard.mwstate"

MEBIBYTE = 1 << 20


class UsageError(Exception):
    """A problem the person running the job must fix (exit status 2)."""


# ---------------------------------------------------------------------------------------------
# Listing and sharding (driver)


def is_uri(path):
    """True for `scheme:...` paths that Hadoop reads (`s3a://b/k`, `hdfs://nn/p`, `file:/p`).

    A one-letter scheme is not a URI (a Windows drive); a plain path is read in place.
    """
    head, sep, _ = path.partition(":")
    return bool(sep) and len(head) > 1 and head.replace("+", "").replace("-", "").replace(".", "").isalnum() \
        and "/" not in head


def skipped_in_walk(name):
    """The entries modelwatch's own directory walk skips: hidden names and Markdown notes."""
    return name.startswith(".") or name.lower().endswith(".md")


def byte_order(name):
    return name.encode("utf-8", "surrogateescape")


def list_local(path):
    """The files under a local PATH as `modelwatch analyze PATH` lists them: a file as given;
    a directory walked recursively in byte order of names, hidden entries and `*.md` skipped.
    Each file is a dict with `name` (reported: the path as given or found), `open` (absolute,
    so an executor with another working directory finds it) and `size`.
    """
    if path == "-":
        raise UsageError("a Spark job cannot read standard input; give files, directories or URIs")
    if not os.path.exists(path):
        raise UsageError("no such file or directory: %s" % path)
    found = []

    def add(file_path):
        found.append({"name": file_path, "open": os.path.abspath(file_path), "size": os.path.getsize(file_path)})

    if not os.path.isdir(path):
        add(path)
        return found

    def walk(directory):
        base = directory[:-1] if directory.endswith("/") else directory
        try:
            names = os.listdir(directory)
        except OSError:
            return
        for name in sorted(names, key=byte_order):
            if skipped_in_walk(name):
                continue
            child = base + "/" + name
            if os.path.isdir(child):
                walk(child)
            elif os.path.exists(child):
                add(child)

    walk(path)
    return found


def list_hadoop(spark, uri):
    """The files under a Hadoop URI (a glob, a file or a directory walked recursively with the
    same order and skips as a local walk), through the JVM's Hadoop FileSystem API. Each file
    is a dict with `name` (its qualified URI, which Spark's `binaryFiles` reports too), `uri`
    and `size`.
    """
    jvm = spark.sparkContext._jvm
    configuration = spark.sparkContext._jsc.hadoopConfiguration()
    pattern = jvm.org.apache.hadoop.fs.Path(uri)
    filesystem = pattern.getFileSystem(configuration)
    matches = filesystem.globStatus(pattern)
    if matches is None or len(matches) == 0:
        raise UsageError("no such file or directory: %s" % uri)
    found = []

    def add(status):
        qualified = status.getPath().toString()
        found.append({"name": qualified, "uri": qualified, "size": int(status.getLen())})

    def walk(status):
        children = sorted(filesystem.listStatus(status.getPath()), key=lambda s: byte_order(s.getPath().getName()))
        for child in children:
            if skipped_in_walk(child.getPath().getName()):
                continue
            if child.isDirectory():
                walk(child)
            else:
                add(child)

    for status in sorted(matches, key=lambda s: byte_order(s.getPath().toString())):
        if status.isDirectory():
            walk(status)
        else:
            add(status)
    return found


def make_shards(files, shard_bytes):
    """Groups `files`, in order, into shards of at most `shard_bytes`; never splits a file, and
    a file larger than the limit is a shard alone. Keeping the listing order keeps one host's
    (one directory's) files together. Local files and files behind URIs never share a shard
    (the first are read in place, the second handed over by Spark).
    """
    shards, current, current_bytes = [], [], 0
    for entry in files:
        kind_changes = current and ("uri" in current[0]) != ("uri" in entry)
        if current and (kind_changes or current_bytes + entry["size"] > shard_bytes):
            shards.append(current)
            current, current_bytes = [], 0
        current.append(entry)
        current_bytes += entry["size"]
    if current:
        shards.append(current)
    return shards


def shard_key(entries):
    """The identity of a shard: a hash of its files' names and sizes, sorted, so a retried or
    duplicated task yields the same key and its state is kept once.
    """
    digest = hashlib.sha256()
    for name, size in sorted((entry["name"], entry["size"]) for entry in entries):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + str(size).encode() + b"\n")
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Tasks (executors)


def resolve_binary(shipped_name):
    """The modelwatch binary on this executor: the copy shipped with the job (`--modelwatch`,
    or `spark-submit --files`), else the one on PATH.
    """
    from pyspark import SparkFiles

    if shipped_name:
        shipped = SparkFiles.get(shipped_name)
        if os.path.exists(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    found = shutil.which("modelwatch")
    if found is None:
        raise RuntimeError("no modelwatch binary on this executor: ship one with --modelwatch PATH or put it on PATH")
    return found


def analyze_shard(settings, shard_index, entries, workdir):
    """Runs `modelwatch analyze` over one shard's files (each an {"path", "name"} entry) in
    `workdir`, and returns (key, names, state bytes, error). A refusal (exit 2: a bad option or
    configuration, the same on every attempt) is returned as the error, so Spark does not retry
    it; any other failure raises, so Spark retries the task.
    """
    from pyspark import SparkFiles, TaskContext

    binary = resolve_binary(settings["shipped_binary"])
    listing = os.path.join(workdir, "inputs.json")
    with open(listing, "w", encoding="utf-8") as handle:
        json.dump([{"path": entry["path"], "name": entry["name"]} for entry in entries], handle)
    state = os.path.join(workdir, STATE_NAME)
    command = [binary, "analyze", "--inputs-from", listing, "--save-state", state, "--no-progress",
               "--threads", str(settings["threads"])]
    for option, value in settings["analyze_options"]:
        command += [option, value]
    for option, shipped in settings["shipped_files"]:
        command += [option, SparkFiles.get(shipped)]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    key = shard_key([{"name": entry["name"], "size": entry["size"]} for entry in entries])
    names = [entry["name"] for entry in entries]
    if completed.returncode == 2:
        return key, names, None, completed.stderr.decode("utf-8", "replace").strip()
    if completed.returncode != 0 or not os.path.exists(state):
        raise RuntimeError("modelwatch analyze on shard %d exited with %d: %s" % (
            shard_index, completed.returncode, completed.stderr.decode("utf-8", "replace").strip()[-2000:]))
    with open(state, "rb") as handle:
        data = handle.read()
    context = TaskContext.get()
    if settings["fail_first_attempt_of"] == shard_index and context is not None and context.attemptNumber() == 0:
        # Test hook (`--test-kill-first-attempt SHARD`): the shard's work is done, its state
        # written, and the Python worker dies before returning it, as a lost executor would.
        marker = settings.get("failure_marker")
        if marker:
            with open(marker, "a", encoding="utf-8") as handle:
                handle.write("killed shard %d attempt %d\n" % (shard_index, context.attemptNumber()))
        os._exit(137)
    return key, names, data, None


def run_local_shards(settings, partition_index, shards):
    """A task over shards of local or shared-file-system files, read in place."""
    for shard_index, entries in shards:
        with tempfile.TemporaryDirectory(prefix="modelwatch-shard-") as workdir:
            listed = [{"path": entry["open"], "name": entry["name"], "size": entry["size"]} for entry in entries]
            yield analyze_shard(settings, shard_index, listed, workdir)


def run_remote_shard(settings, shard_index, entries, _partition_index, contents):
    """A task over one shard of files behind Hadoop URIs: Spark hands over each file's bytes
    (`binaryFiles`), the task writes each to its temporary folder under a plain name, and the
    input list reports each copy under its URI.
    """
    expected = {entry["uri"]: entry for entry in entries}
    with tempfile.TemporaryDirectory(prefix="modelwatch-shard-") as workdir:
        copies = {}
        for uri, data in contents:
            if uri not in expected or uri in copies:
                raise RuntimeError("shard %d was handed %s, which is not one of its files (or twice)" % (shard_index, uri))
            copy = os.path.join(workdir, "input-%d" % len(copies))
            with open(copy, "wb") as handle:
                handle.write(data)
            if len(data) != expected[uri]["size"]:
                raise RuntimeError("%s changed size while the job ran (%d bytes listed, %d read)" % (
                    uri, expected[uri]["size"], len(data)))
            copies[uri] = copy
        missing = sorted(set(expected) - set(copies))
        if missing:
            raise RuntimeError("shard %d did not receive %s" % (shard_index, ", ".join(missing)))
        listed = [{"path": copies[entry["uri"]], "name": entry["name"], "size": entry["size"]} for entry in entries]
        yield analyze_shard(settings, shard_index, listed, workdir)


# ---------------------------------------------------------------------------------------------
# The job (driver)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="modelwatch_spark.py",
        description="Analyse log files with modelwatch as a Spark job: one analyze per shard, merged once.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="files, directories, or Hadoop URIs (s3a://, hdfs://, file:; globs allowed)")
    parser.add_argument("--master", help="Spark master for a run outside spark-submit, e.g. 'local[2]'")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                        help="a Spark setting for a run outside spark-submit (repeatable), as spark-submit --conf")
    parser.add_argument("--modelwatch", metavar="PATH",
                        help="the modelwatch binary to ship to the executors and run the merge with "
                             "(default: modelwatch on PATH, on the driver and on every executor)")
    parser.add_argument("--shard-mb", type=float, default=256.0,
                        help="largest shard, in MB of input files (default 256); a file is never split")
    parser.add_argument("--threads", type=int,
                        help="threads of each shard's analyze (default: spark.task.cpus, itself 1 by default)")
    parser.add_argument("--keep-states", metavar="DIR",
                        help="also keep the shards' state files in DIR (one per shard, named by its key)")
    parser.add_argument("--no-progress", action="store_true", help="accepted for analyze's sake; Spark shows progress")
    parser.add_argument("--events", required=True, metavar="FILE", help="write events as JSON lines (- for stdout)")
    parser.add_argument("--fail-on", metavar="SEVERITY")
    parser.add_argument("--report", metavar="FILE")
    parser.add_argument("--summary-json", metavar="FILE")
    parser.add_argument("--events-format", metavar="FORMAT")
    parser.add_argument("--top", metavar="N")
    parser.add_argument("--access-format", metavar="NGINX_LOG_FORMAT")
    parser.add_argument("--input-format", metavar="NAME|FILE")
    parser.add_argument("--window-seconds", metavar="S")
    parser.add_argument("--line-cap", metavar="BYTES")
    parser.add_argument("--config", metavar="FILE")
    parser.add_argument("--baseline", metavar="FILE")
    # Test hooks: kill the Python worker after shard K's first attempt wrote its state.
    parser.add_argument("--test-kill-first-attempt", type=int, metavar="SHARD", help=argparse.SUPPRESS)
    parser.add_argument("--test-failure-marker", metavar="FILE", help=argparse.SUPPRESS)
    return parser


def option_value(args, option):
    return getattr(args, option[2:].replace("-", "_"))


def start_spark(master, settings, shard_bytes):
    """The session: spark-submit's settings, or `--master` and `--conf` for a run with python3."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("modelwatch")
    if master:
        builder = builder.master(master)
    for setting in settings:
        key, equals, value = setting.partition("=")
        if not equals or not key:
            raise UsageError("--conf takes KEY=VALUE, not '%s'" % setting)
        builder = builder.config(key, value)
    # binaryFiles packs files into input partitions of at most this size; a remote shard is
    # coalesced into one task anyway, so a limit of a whole shard only avoids needless splits.
    builder = builder.config("spark.files.maxPartitionBytes", str(max(shard_bytes, 128 * MEBIBYTE)))
    return builder.getOrCreate()


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.shard_mb <= 0:
        raise UsageError("--shard-mb must be more than 0")
    shard_bytes = int(args.shard_mb * MEBIBYTE)
    binary = args.modelwatch or shutil.which("modelwatch")
    if binary is None or not os.path.isfile(binary):
        raise UsageError("no modelwatch binary: give --modelwatch PATH or put modelwatch on PATH")
    binary = os.path.abspath(binary)
    for option in SHARED_FILE_OPTIONS:
        value = option_value(args, option)
        if value is not None and not os.path.isfile(value):
            raise UsageError("%s %s: no such file" % (option, value))

    spark = start_spark(args.master, args.conf, shard_bytes)
    context = spark.sparkContext
    try:
        files = []
        for path in args.paths:
            files += list_hadoop(spark, path) if is_uri(path) else list_local(path)
        if not files:
            raise UsageError("no input files under %s" % ", ".join(args.paths))
        names = [entry["name"] for entry in files]
        if len(set(names)) != len(names):
            duplicated = sorted({name for name in names if names.count(name) > 1})
            raise UsageError("listed more than once: %s; give each file once" % ", ".join(duplicated[:5]))

        shipped_binary = None
        if args.modelwatch:
            context.addFile(binary)
            shipped_binary = os.path.basename(binary)
            bundle = os.path.join(os.path.dirname(binary), RESOURCE_BUNDLE)
            if os.path.isdir(bundle):
                context.addFile(bundle, recursive=True)
        shipped_files = []
        for option in SHARED_FILE_OPTIONS:
            value = option_value(args, option)
            if value is not None:
                context.addFile(os.path.abspath(value))
                shipped_files.append((option, os.path.basename(value)))
        analyze_options = []
        for option in ANALYZE_OPTIONS:
            value = option_value(args, option)
            if value is None:
                continue
            if option == "--input-format" and os.path.isfile(value):
                context.addFile(os.path.abspath(value))
                shipped_files.append((option, os.path.basename(value)))
            else:
                analyze_options.append((option, value))

        settings = {
            "shipped_binary": shipped_binary,
            "shipped_files": shipped_files,
            "analyze_options": analyze_options,
            "threads": args.threads or int(context.getConf().get("spark.task.cpus", "1")),
            "fail_first_attempt_of": args.test_kill_first_attempt,
            "failure_marker": args.test_failure_marker,
        }

        shards = make_shards(files, shard_bytes)
        total_mb = sum(entry["size"] for entry in files) / 1e6
        context.setJobGroup("modelwatch", "modelwatch: %d files (%.1f MB) in %d shards of at most %g MB" % (
            len(files), total_mb, len(shards), args.shard_mb))
        context.setJobDescription("modelwatch analyze: %d shards, %d files, %.1f MB" % (len(shards), len(files), total_mb))
        local = [(index, shard) for index, shard in enumerate(shards) if "open" in shard[0]]
        remote = [(index, shard) for index, shard in enumerate(shards) if "uri" in shard[0]]
        parts = []
        if local:
            parts.append(context.parallelize(local, len(local)).mapPartitionsWithIndex(
                functools.partial(run_local_shards, settings)))
        for index, shard in remote:
            contents = context.binaryFiles(",".join(entry["uri"] for entry in shard)).coalesce(1)
            parts.append(contents.mapPartitionsWithIndex(functools.partial(run_remote_shard, settings, index, shard)))
        job = parts[0] if len(parts) == 1 else context.union(parts)
        # States are summaries (bounded by the sketches' budgets, not by the input), so the
        # driver can hold them; spark.driver.maxResultSize bounds them too.
        results = job.collect()
        return merge_states(args, binary, files, shards, results)
    finally:
        spark.stop()


def kept_states(files, shards, results):
    """One state per shard key, checked to cover every listed file exactly once."""
    expected = {shard_key(shard): [entry["name"] for entry in shard] for shard in shards}
    kept = {}
    for key, names, data, error in results:
        if error is not None:
            raise UsageError("modelwatch analyze refused a shard (%s ...): %s" % (names[0], error))
        if key not in expected or sorted(expected[key]) != sorted(names):
            raise RuntimeError("a task returned a state for an unknown shard (%s ...)" % names[0])
        kept.setdefault(key, data)
    missing = [names for key, names in expected.items() if key not in kept]
    if missing:
        raise RuntimeError("no state for the shard of %s" % ", ".join(names[0] for names in missing))
    covered = [name for key in kept for name in expected[key]]
    if sorted(covered) != sorted(entry["name"] for entry in files):
        raise RuntimeError("the kept states do not cover every file exactly once")
    return [(key, kept[key]) for key in (shard_key(shard) for shard in shards)]


def merge_states(args, binary, files, shards, results):
    states = kept_states(files, shards, results)
    with tempfile.TemporaryDirectory(prefix="modelwatch-merge-") as folder:
        paths = []
        for index, (key, data) in enumerate(states):
            path = os.path.join(folder, "%05d-%s.mwstate" % (index, key[:16]))
            with open(path, "wb") as handle:
                handle.write(data)
            paths.append(path)
            if args.keep_states:
                os.makedirs(args.keep_states, exist_ok=True)
                shutil.copyfile(path, os.path.join(args.keep_states, "%s.mwstate" % key))
        command = [binary, "merge"] + paths
        for option in SHARED_FILE_OPTIONS + MERGE_OPTIONS:
            value = option_value(args, option)
            if value is not None:
                command += [option, value]
        print("modelwatch_spark: %d files in %d shards analysed, %d states merged" % (
            len(files), len(shards), len(paths)), file=sys.stderr)
        return subprocess.run(command).returncode


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UsageError as error:
        print("modelwatch_spark: %s" % error, file=sys.stderr)
        sys.exit(2)
