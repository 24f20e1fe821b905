# A Python venv with the ML libraries the load-time and runtime tests use as oracles
# (torch CPU, numpy, joblib, safetensors, keras, h5py, onnx, huggingface_hub, transformers),
# from the machine's pip index. Tests find it at .peers/venv (or $MODELSEAL_PYTHON).
venv="${PEERS_DIR:-$PWD/.peers}/venv"
want="torch numpy joblib safetensors keras h5py onnx huggingface_hub transformers"
# Keras 3 needs a backend; torch is the one installed.
export KERAS_BACKEND=torch
if ! "$venv/bin/python" -c "import ${want// /, }" 2>/dev/null; then
  python3 -m venv "$venv"
  # No retries: an index this machine cannot reach fails at once instead of backing off per package.
  "$venv/bin/pip" install -q --retries 0 --timeout 15 $want
fi
export MODELSEAL_PYTHON="$venv/bin/python"
