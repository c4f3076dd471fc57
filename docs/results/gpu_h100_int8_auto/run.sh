set -e
root=$PWD
eval "$(sed -n '/^device_setup() {/,/^}/p;/^network_setup() {/,/^}/p' tools/gpu_bench.sh)"
network_setup /tmp/o3 > /dev/null
i8="--precision int8 --calib-data /tmp/mobiq_models/calib.npy"
for r in 1 2 3; do
  for net in resnet50 vgg16; do
    for b in mobiq_before mobiq; do
      .device/$b bench --model /tmp/mobiq_models/$net.onnx --device opencl $i8 --runs 30 --warmup 5 --json /tmp/o3/r${r}_${net}_$b.json > /tmp/x.txt 2>&1 || echo "failed $net $b"
      echo "round $r $net int8 auto $b: $(grep -o 'median [0-9.]* ms' /tmp/x.txt | head -1)"
    done
  done
done
tar czf $OUT/int8_auto.tgz -C /tmp/o3 .
