# tmux: the real terminal the progress-line test runs the CLI in (test/progress-tty.test.ts).
if ! command -v tmux >/dev/null 2>&1; then
  apt_install tmux
fi
