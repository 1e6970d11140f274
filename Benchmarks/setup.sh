# Sourced by the benchmark scripts: installs hyperfine and GNU time when missing, creates $DATA
# (default bench-data/, ignored by git) and builds the release binary as $bin.
DATA=${DATA:-bench-data}
mkdir -p "$DATA"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

swift build -c release --product modelwatch >/dev/null
bin=.build/release/modelwatch
