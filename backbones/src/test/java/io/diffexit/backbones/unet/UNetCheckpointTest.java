package io.diffexit.backbones.unet;

import static io.diffexit.backbones.unet.UNetFixtures.images;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UNetCheckpointTest {

  private static final float[] TIMES = {0f, 421f, 999f};

  private static List<float[]> heads(UNetBackbone b, NDManager m) {
    NDArray x = images(m, b.config(), 3, 77);
    return UNetFixtures.allHeads(b, m, x, m.create(TIMES));
  }

  private static List<float[]> parameters(UNetBackbone b) {
    List<float[]> values = new ArrayList<>();
    for (Pair<String, Parameter> p : b.block().getParameters()) {
      values.add(p.getValue().getArray().toFloatArray());
    }
    return values;
  }

  @Test
  void savedParametersLoadIntoAFreshBackboneWithIdenticalOutputs() throws Exception {
    UNetConfig c = UNetConfig.fromParams(UNetFixtures.oddParams());
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone original = new UNetBackbone(c, m, 1);
        UNetBackbone restored = new UNetBackbone(UNetConfig.fromParams(original.spec().config()), m, 2)) {
      UNetFixtures.randomize(original, 4);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      original.block().saveParameters(new DataOutputStream(bytes));
      List<float[]> before = heads(restored, m);

      restored.block().loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

      List<float[]> expected = heads(original, m);
      List<float[]> actual = heads(restored, m);
      assertThat(actual).hasSize(4);
      for (int e = 0; e < expected.size(); e++) {
        assertThat(actual.get(e)).as("exit %d", e).containsExactly(expected.get(e));
        assertThat(before.get(e)).as("exit %d before loading", e).isNotEqualTo(expected.get(e));
      }
    }
  }

  @Test
  void equalSeedsGiveBitIdenticalParametersAndOutputsAndOtherSeedsDoNot() {
    UNetConfig c = UNetConfig.fromParams(UNetFixtures.tinyParams());
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone a = new UNetBackbone(c, m, 42);
        UNetBackbone b = new UNetBackbone(c, m, 42);
        UNetBackbone other = new UNetBackbone(c, m, 43)) {
      List<float[]> pa = parameters(a);
      List<float[]> pb = parameters(b);
      List<float[]> po = parameters(other);
      boolean anyDifferent = false;
      for (int i = 0; i < pa.size(); i++) {
        assertThat(pa.get(i)).containsExactly(pb.get(i));
        anyDifferent |= !java.util.Arrays.equals(pa.get(i), po.get(i));
      }
      assertThat(anyDifferent).isTrue();
    }
  }

  @Test
  void repeatedForwardPassesAreIdenticalAcrossGarbageCollections() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.oddParams()), m, 3)) {
      UNetFixtures.randomize(b, 8);
      List<float[]> first = heads(b, m);
      for (int round = 0; round < 2; round++) {
        // constants cached per device must not depend on Java buffers that the collector may free
        System.gc();
        byte[][] churn = new byte[64][];
        for (int i = 0; i < churn.length; i++) {
          churn[i] = new byte[1 << 16];
        }
        List<float[]> again = heads(b, m);
        for (int e = 0; e < first.size(); e++) {
          assertThat(again.get(e)).as("round %d exit %d", round, e).containsExactly(first.get(e));
        }
      }
    }
  }
}
