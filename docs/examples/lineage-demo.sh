#!/usr/bin/env bash
# Builds a small lineage chain on generated files and verifies it (docs/lineage.md).
# Usage: docs/examples/lineage-demo.sh [WORKDIR]   (needs a built modelseal: npm run build)
set -euo pipefail
MS="node $(cd "$(dirname "$0")/../.." && pwd)/bin/run.js"
W="${1:-$(mktemp -d)}"
mkdir -p "$W"
cd "$W"
mkdir -p keys data/instruct-v3 models/base-7b out/ft out/adapter attestations

# Keys of the three parties (and an attacker).
for who in publisher curator trainer attacker; do $MS keygen -o keys/$who -q; done

# Generated artifacts: a dataset, a base model, a fine-tune, a LoRA adapter.
for i in $(seq 1 20); do echo "{\"prompt\":\"q$i\",\"answer\":\"a$i\"}"; done > data/instruct-v3/train.jsonl
head -c 65536 /dev/urandom > models/base-7b/model.safetensors; echo '{"model_type":"llama"}' > models/base-7b/config.json
head -c 32768 /dev/urandom > out/ft/model.safetensors
head -c 8192 /dev/urandom > out/adapter/adapter_model.safetensors
echo '{"base_model_name_or_path":"acme/ft","peft_type":"LORA"}' > out/adapter/adapter_config.json

# Curator: sign and attest the dataset. Publisher: sign the base model.
$MS sign data/instruct-v3 --key keys/curator.key -q
$MS attest data/instruct-v3 --kind dataset --source "https://example.org/dump.tar@sha256:$(printf dump | sha256sum | cut -c1-64)" \
    --license CC-BY-4.0 --notes "collected 2026-10" --key keys/curator.key -q
$MS sign models/base-7b --key keys/publisher.key -q

# Trainer: attest the fine-tune and the adapter, binding inputs by digest.
$MS attest out/ft --kind finetune --base models/base-7b --dataset data/instruct-v3 \
    --builder-id https://ci.example.com/trainer --param lr=2e-4 --param epochs=3 --key keys/trainer.key -q
$MS attest out/adapter --kind lora --base out/ft --dataset data/instruct-v3 \
    --builder-id https://ci.example.com/trainer --param r=8 --key keys/trainer.key -q

# The deployer's attestation folder: every bundle, flat (file names do not matter).
cp data/instruct-v3/model.sig attestations/instruct-v3.sig
cp data/instruct-v3/provenance.sig attestations/instruct-v3.provenance.sig
cp models/base-7b/model.sig attestations/base-7b.sig
cp out/ft/provenance.sig attestations/ft.provenance.sig

cat > policy.yaml <<'YAML'
apiVersion: modelseal.dev/policy/v1
signers:
  publisher: { keys: [keys/publisher.pub] }
  curator: { keys: [keys/curator.pub] }
  trainer: { keys: [keys/trainer.pub] }
artifacts:
  - name: adapter
    signers: [trainer]
    kinds: [lora]
    builders: [https://ci.example.com/trainer]
    lineage: required
    roots: [publisher, curator]
    maxDepth: 4
  - name: ft
    signers: [trainer]
    kinds: [finetune]
    builders: [https://ci.example.com/trainer]
  - name: "**"
    signers: [publisher, curator]
YAML
$MS policy check policy.yaml

# Verify the adapter with the base it will be loaded on, and print the tree.
$MS verify out/adapter --policy policy.yaml --lineage --attestations attestations --with out/ft --with models/base-7b
$MS lineage out/adapter --policy policy.yaml --attestations attestations

# A CycloneDX 1.6 ML-BOM of the verified chain (docs/format.md, "CycloneDX ML-BOM").
$MS bom out/adapter --policy policy.yaml --attestations attestations --with out/ft --with models/base-7b --out adapter.cdx.json

# An attack: the base swapped for a look-alike with the same name is refused (exit 1).
mkdir -p lookalike/base-7b
head -c 65536 /dev/urandom > lookalike/base-7b/model.safetensors; echo '{"model_type":"llama"}' > lookalike/base-7b/config.json
$MS sign lookalike/base-7b --key keys/attacker.key -q
if $MS verify out/adapter --policy policy.yaml --attestations attestations --with lookalike/base-7b; then
  echo "look-alike base was accepted" >&2; exit 1
fi
echo "lineage demo: OK ($W)"
