set -e
root=$PWD
eval "$(sed -n '/^device_setup() {/,/^}/p;/^network_setup() {/,/^}/p' tools/gpu_bench.sh)"
network_setup /tmp/o2 > /dev/null
i8="--precision int8 --calib-data /tmp/mobiq_models/calib.npy"
for r in 1 2 3; do
  for net in resnet50 vgg16; do
    for conv in auto winograd-int16; do
      .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl --conv $conv $i8 --runs 30 --warmup 5 > /tmp/x.txt 2>&1 || echo "failed $net $conv"
      echo "round $r $net int8 $conv: $(head -1 /tmp/x.txt | grep -o 'median [0-9.]* ms')"
    done
  done
done
for net in resnet50 vgg16; do
  for conv in auto winograd-int16; do
    .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl --conv $conv $i8 --runs 10 --warmup 3 --profile --json /tmp/o2/p_${net}_$conv.json > /dev/null 2>&1 || echo "failed profile"
  done
done
tar czf $OUT/profiles.tgz -C /tmp/o2 .
