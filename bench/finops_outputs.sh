#!/bin/bash
# Every output file of the FinOps commands, with their md5 sums, to prove a change leaves them byte-identical:
#   bench/finops_outputs.sh CODE_ROOT OUT_DIR SPANS [WORKERS]
# CODE_ROOT is put first on PYTHONPATH (a checkout or `git archive COMMIT otel_aicost | tar -x -C ROOT`); the
# commands run from OUT_DIR (never from a checkout, whose folder would win on the module path). WORKERS: the
# reader processes (default: as the CLI picks them; 1 reads in process). Compare two runs with `diff A.md5 B.md5`.
set -e
code=$(realpath "$1"); out=$(realpath -m "$2"); spans=$(realpath "$3"); workers=${4:+--workers $4}
py=$(realpath -s "${PYTHON:-$(dirname "$0")/../.venv/bin/python}")
rm -rf "$out"; mkdir -p "$out"; cd "$out"
run() { PYTHONPATH=$code "$py" -c "import sys; from otel_aicost.cli import main; sys.argv=['otel-aicost']+sys.argv[1:]; main()" "$@"; }
run report $workers --by team,model --format json --forecast --anomalies --html r.html --focus f.csv "$spans" > report.json 2> report.err
run report $workers --by team,model --format json --focus f.parquet "$spans" > report2.json 2> /dev/null
run report $workers --by model,day --format csv "$spans" > byday.csv
run report $workers --by team,model --wide "$spans" > wide.txt
run report $workers --by team,model --forecast --anomalies "$spans" > table-insights.txt
run focus $workers --granularity hour --output fh.csv "$spans" > /dev/null 2>&1
run forecast $workers --by team --format json "$spans" > forecast.json
run anomalies $workers --format json "$spans" > anomalies.json
"$py" -c "import pyarrow.parquet as pq, sys; print(pq.read_table(sys.argv[1]).to_pylist())" f.parquet > f.parquet.txt
md5sum -- * | tee ../"$(basename "$out")".md5
