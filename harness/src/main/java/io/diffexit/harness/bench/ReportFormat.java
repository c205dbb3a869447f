package io.diffexit.harness.bench;

/**
 * One report file of a results folder, laid out from the shared {@link ReportModel} (as JMH's {@code ResultFormat}
 * lays out its run results): the values come from the model, {@link ReportColumns} and {@link ReportConventions};
 * a format only decides how they look.
 */
interface ReportFormat {

  /** @return the file's name inside the results folder */
  String fileName();

  /** @return the whole file */
  String render(ReportModel model);
}
