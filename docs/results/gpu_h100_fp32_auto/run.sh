set -e
root=$PWD
eval "$(sed -n '/^device_setup() {/,/^}/p;/^network_setup() {/,/^}/p' tools/gpu_bench.sh)"
network_setup $OUT > /dev/null
for r in 1 2 3; do
  for net in resnet50 vgg16; do
    for conv in auto auto-no-winograd; do
      .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl --conv $conv --runs 30 --warmup 5 \
        --json $OUT/r${r}_${net}_${conv}.json > /tmp/x.txt 2>&1 || echo "failed $net $conv"
      echo "round $r $net $conv: $(head -1 /tmp/x.txt | grep -o 'median [0-9.]* ms')"
    done
  done
done
nvidia-smi -L
