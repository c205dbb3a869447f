package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.util.Modules;
import io.diffexit.harness.plugins.Registries;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code diffexit} command line. Subcommands are listed in {@link #SUBCOMMANDS}; each is a picocli
 * {@code Callable<Integer>}. A failure that is the user's to fix (bad input, a missing file) is printed as one line
 * {@code diffexit: <message>}; the stack trace only with {@code DIFFEXIT_DEBUG=1}.
 */
@Command(
    name = "diffexit",
    mixinStandardHelpOptions = true,
    versionProvider = DiffexitCli.Version.class,
    description = "Early-exit diffusion sampling: train, sample, measure and compare exit strategies.")
public final class DiffexitCli implements Runnable {

  /** Subcommand classes, in the order {@code --help} lists them. */
  static final Class<?>[] SUBCOMMANDS = {
    DemoCommand.class, TrainCommand.class, FinetuneCommand.class, SampleCommand.class, BenchCommand.class,
    TrainFeaturesCommand.class, FidStatsCommand.class, FidCommand.class, ListCommand.class,
    CalibrateCommand.class, HeadErrorsCommand.class
  };

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand; see diffexit --help");
  }

  /**
   * @param overrides Guice modules whose bindings replace the defaults (tests bind their own registry, schedule or
   *     benchmark wiring)
   * @return a command line wired for the default plugins folder
   */
  public static CommandLine commandLine(com.google.inject.Module... overrides) {
    return commandLine(Guice.createInjector(
        Modules.override(new HarnessModule(Registries.defaultPluginsDir(System.getenv()))).with(overrides)));
  }

  /**
   * @param injector provides the registry, the training services and the benchmark wiring; subcommands are created
   *     through it, so their {@code @Inject} constructors get what they need
   * @return a configured command line
   */
  public static CommandLine commandLine(Injector injector) {
    CommandLine cl = new CommandLine(new DiffexitCli(), new GuiceFactory(injector));
    for (Class<?> sub : SUBCOMMANDS) {
      cl.addSubcommand(sub);
    }
    cl.setExecutionExceptionHandler(DiffexitCli::handle);
    return cl;
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    PrintWriter err = cl.getErr();
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    err.println("diffexit: " + message.lines().findFirst().orElse(message));
    if ("1".equals(System.getenv("DIFFEXIT_DEBUG"))) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof IllegalArgumentException || e instanceof UserError ? 2 : 1;
  }

  /** Creates subcommands through Guice (just-in-time bindings), everything else as picocli would. */
  private record GuiceFactory(Injector injector) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      if (type.isAnnotationPresent(Command.class)) {
        return injector.getInstance(type);
      }
      return CommandLine.defaultFactory().create(type);
    }
  }

  /** Reads the version from the jar manifest (or says it runs from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = DiffexitCli.class.getPackage().getImplementationVersion();
      return new String[] {"diffexit " + (v == null ? "(development build)" : v)};
    }
  }
}
