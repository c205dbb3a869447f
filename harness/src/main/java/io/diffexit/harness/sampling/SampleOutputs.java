package io.diffexit.harness.sampling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.diffexit.api.BackboneSpec;
import io.diffexit.harness.image.PngImages;
import io.diffexit.harness.runner.ExitStatistics;
import io.diffexit.harness.runner.PixelMapRecorder;
import io.diffexit.harness.runner.SamplingJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes what a sampling run produced: grid, summary, exit statistics, pixel maps, single images. */
public final class SampleOutputs {

  /** The shorter side of a tile of {@code samples.png} at least, in pixels (nearest-neighbour upscale). */
  static final int GRID_TILE_PIXELS = 96;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SampleOutputs() {}

  /** @return the shared JSON writer (indented) */
  public static ObjectMapper json() {
    return JSON;
  }

  /** Writes {@code value} as indented JSON, atomically (temp file + move). */
  public static void writeJson(Path file, Object value) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      JSON.writeValue(tmp.toFile(), value);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code samples.png}, {@code summary.json}, {@code exit-stats.json} and {@code exit-stats.csv} into
   * {@code dir}, and {@code maps/sample-NNN.png} when pixel maps were recorded.
   *
   * @return the files written, by role
   */
  public static Map<String, Path> write(SampleReport report, Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    SamplingJob.Result r = report.result();
    Map<String, Path> files = new LinkedHashMap<>();
    Path grid = dir.resolve("samples.png");
    int shown = Math.min(r.samples(), 64);
    // Tiles of at least GRID_TILE_PIXELS (28 px Fashion-MNIST images are drawn 4x): readable in a paper.
    PngImages.writeGrid(r.images(), shown, r.channels(), r.height(), r.width(), 8, false,
        PngImages.scaleFor(r.height(), r.width(), GRID_TILE_PIXELS), grid);
    files.put("grid", grid);
    ExitStatistics stats = ExitStatistics.of(r.trace(), report.backbone());
    Path statsJson = dir.resolve("exit-stats.json");
    writeJson(statsJson, stats.toJson());
    files.put("exitStatsJson", statsJson);
    Path statsCsv = dir.resolve("exit-stats.csv");
    stats.writeCsv(statsCsv);
    files.put("exitStatsCsv", statsCsv);
    if (!r.maps().isEmpty()) {
      files.putAll(writeMaps(r.maps(), report.backbone(), dir.resolve("maps")));
    }
    Map<String, Object> summary = new LinkedHashMap<>(report.toJson());
    Map<String, String> written = new LinkedHashMap<>();
    files.forEach((k, v) -> written.put(k, dir.relativize(v).toString()));
    summary.put("files", written);
    Path summaryFile = dir.resolve("summary.json");
    writeJson(summaryFile, summary);
    files.put("summary", summaryFile);
    return files;
  }

  /**
   * One PNG per sample: a row per recorded step, a column per exit point; black where the sample had already exited.
   */
  static Map<String, Path> writeMaps(List<PixelMapRecorder.Entry> entries, BackboneSpec spec, Path dir) {
    Map<Integer, List<PixelMapRecorder.Entry>> bySample = new TreeMap<>();
    for (PixelMapRecorder.Entry e : entries) {
      bySample.computeIfAbsent(e.sample(), k -> new ArrayList<>()).add(e);
    }
    int cols = spec.exitPoints().size();
    int per = spec.channels() * spec.height() * spec.width();
    Map<String, Path> out = new LinkedHashMap<>();
    bySample.forEach((sample, list) -> {
      TreeMap<Integer, Integer> rowOfStep = new TreeMap<>();
      list.forEach(e -> rowOfStep.putIfAbsent(e.step(), 0));
      int row = 0;
      for (Integer s : rowOfStep.keySet()) {
        rowOfStep.put(s, row++);
      }
      float[] tiles = new float[rowOfStep.size() * cols * per];
      for (PixelMapRecorder.Entry e : list) {
        int tile = rowOfStep.get(e.step()) * cols + e.exitPoint();
        System.arraycopy(e.values(), 0, tiles, tile * per, per);
      }
      Path file = dir.resolve(String.format("sample-%03d.png", sample));
      PngImages.writeGrid(
          tiles, rowOfStep.size() * cols, spec.channels(), spec.height(), spec.width(), cols, true, file);
      out.put("map" + sample, file);
    });
    return out;
  }
}
