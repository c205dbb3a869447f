package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.schedule.ScheduleStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class ScheduleContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new ScheduleStrategyFactory();
  }

  @Override
  protected String params() {
    return "";
  }
}
