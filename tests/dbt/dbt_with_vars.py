"""A dbt command with ``--vars``, run the way ``sqlscore run`` runs dbt: parse first without them.

dbt reuses its last parse (``partial_parse.msgpack``) only when the vars are unchanged, and every
test passing its own ``--vars`` on the command line made dbt parse the whole project again, about
twenty full parses per test run. ``sqlscore run`` avoids it by parsing without the per-run vars
and handing the parsed manifest to the build (``sqlscore.pipeline.dbt``); this script does the
same for the tests: ``parse`` (partial, from the cache the test's project was copied with), then
the command on that manifest, with the vars, which dbt renders when it compiles each node.

Usage: ``python dbt_with_vars.py PROJECT_DIR PROFILES_DIR TARGET COMMAND [ARGS ...]``. The exit
code is dbt's own: 0 success, 1 a node failed, 2 dbt could not run.
"""

from __future__ import annotations

import sys

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    project, profiles, target, *command = argv
    where = ["--project-dir", project, "--profiles-dir", profiles, "--target", target]
    parsed = dbtRunner().invoke(["--quiet", "parse", *where])
    if parsed.exception is not None or not parsed.success:
        print(f"dbt parse failed: {parsed.exception}", file=sys.stderr)
        return 2
    result = dbtRunner(manifest=parsed.result).invoke([*command, *where])
    if result.exception is not None:
        print(f"dbt {command[0]} failed: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
