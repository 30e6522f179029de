package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard as a user sees it: a real coordinator and two worker JVMs, and the page in a real
 * headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which {@code .ci/run}
 * installs when missing). Everything the page shows arrives over its one event stream; the test
 * never reloads the page to see a change.
 */
class DashboardIT {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Duration PATIENCE = Duration.ofSeconds(40);
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  @Test
  void theDashboardShowsTheClusterAndAJobLiveCancelsItAndShowsItemErrors() throws Exception {
    try (Cluster c = new Cluster("dashboard", true)) {
      Node a = c.startWorker(2);
      Node b = c.startWorker(2);
      c.awaitWorkers(2);
      String failing = c.submit("{\"function\":\"fail\",\"range\":{\"start\":0,\"end\":60},\"args\":{\"items\":[3,17,42]},\"chunkSize\":5}");
      c.results(failing);
      // sleep sleeps the item's milliseconds, and item 7 of every 500 fails (a negative time). The
      // items of an IO chunk run at once, so this job takes about 1000 chunks × 0.5 s / 4 slots =
      // 125 s: it must still be running when the page cancels it, however slowly the steps before
      // go (at 30 ms an item it once ended, in 8.7 s, before a slow CI run got to the cancel)
      String items = IntStream.range(0, 4000).mapToObj(i -> i % 500 == 7 ? "-1" : "500").collect(Collectors.joining(","));
      String running = c.submit("{\"function\":\"sleep\",\"items\":[" + items + "],\"chunkSize\":4}");

      WebDriver page = browser(Files.createTempDirectory(c.logs.toAbsolutePath(), "chromium-profile"));
      try {
        // the page redraws what changed every second: an element found may be replaced before it is read
        WebDriverWait wait = new WebDriverWait(page, PATIENCE);
        wait.ignoring(StaleElementReferenceException.class);
        page.get(c.url("/"));

        // the page loads without the token, then asks for it; a wrong one is refused in words
        await(wait, "the token prompt", p -> p.findElement(By.id("token-form")).isDisplayed());
        assertTrue(text(page, "token-why").contains("needs its API token"), text(page, "token-why"));
        enterToken(page, "not-the-token");
        await(wait, "the refusal of a wrong token", p -> text(p, "token-why").contains("The token was refused: the API token is not valid"));
        enterToken(page, c.token());
        await(wait, "the prompt to close", p -> !p.findElement(By.id("token-form")).isDisplayed());
        ((JavascriptExecutor) page).executeScript("window.sameDocument = true;");

        // both workers, by the node they run on
        await(wait, "both workers listed", p -> p.findElements(By.cssSelector("#workers tbody tr[data-node$=':" + a.port + "']")).size() == 1
            && p.findElements(By.cssSelector("#workers tbody tr[data-node$=':" + b.port + "']")).size() == 1);

        // the running job's progress rises while the page stays the same document
        By row = By.cssSelector("#jobs tbody tr[data-job='" + running + "']");
        long first = awaitValue(wait, "the running job to make progress", p -> done(p, row) > 0 ? done(p, row) : null);
        await(wait, "the progress to rise past " + first, p -> done(p, row) > first);
        assertEquals(Boolean.TRUE, ((JavascriptExecutor) page).executeScript("return window.sameDocument === true;"),
            "the page was not reloaded");
        await(wait, "the finished job with its errors in the list", p -> p.findElements(
            By.cssSelector("#jobs tbody tr[data-job='" + failing + "'][data-state='COMPLETED_WITH_ERRORS']")).size() == 1);
        screenshot(page, "dashboard-cluster.png");

        // the job's own view: its plot gets points, and both workers ran some of it
        click(wait, By.cssSelector("#jobs tbody tr[data-job='" + running + "'] a"));
        await(wait, "the job view's plot to have points", p -> p.findElements(By.cssSelector("#jv-plot circle")).size() >= 3
            && text(p, "jv-id").equals(running));
        await(wait, "the work of both workers", p -> p.findElements(By.cssSelector("#jv-workers .brow")).size() == 2);
        await(wait, "the running job's first error", p -> p.findElement(By.cssSelector("#jv-errors tbody tr[data-index='7']"))
            .getText().contains("sleep needs a non-negative number of milliseconds, got -1"));
        page.manage().window().setSize(new Dimension(1280, 1200));
        screenshot(page, "dashboard-job.png");

        // cancel from the page; the API agrees
        click(wait, By.id("jv-cancel"));
        await(wait, "the page to confirm the cancel", p -> text(p, "notice").contains("Job " + running + " cancelled."));
        assertEquals("CANCELLED", c.status(running).get("state").asText());
        await(wait, "the job view to show the cancel", p -> text(p, "jv-state").equals("CANCELLED")
            && !p.findElement(By.id("jv-cancel")).isDisplayed());

        // the finished job with item errors names them; the token is kept for the tab across a navigation
        page.get(c.url("/#/job/" + failing));
        await(wait, "the first errors of the failed items", p -> p.findElements(By.cssSelector("#jv-errors tbody tr")).size() == 3);
        assertTrue(!page.findElement(By.id("token-form")).isDisplayed(), "no second prompt in the same tab");
        for (String index : List.of("3", "17", "42")) {
          String error = awaitValue(wait, "item " + index + "'s error",
              p -> p.findElement(By.cssSelector("#jv-errors tbody tr[data-index='" + index + "']")).getText());
          assertTrue(error.contains("fail was asked to fail item " + index), error);
          assertTrue(error.contains("RequestedFailure"), error);
        }
        screenshot(page, "dashboard-job-errors.png");

        page.manage().window().setSize(new Dimension(390, 844));
        page.get(c.url("/"));
        await(wait, "the phone-sized page to list the workers", p -> p.findElements(By.cssSelector("#workers tbody tr")).size() == 2);
        screenshot(page, "dashboard-phone.png");
      } catch (RuntimeException | AssertionError e) {
        screenshot(page, "dashboard-failure.png");
        throw new AssertionError(e.getMessage() + "\n" + c.logs(), e);
      } finally {
        page.quit();
      }
    }
  }

  private static WebDriver browser(Path profile) {
    if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
      throw new IllegalStateException("this test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
          + CHROMEDRIVER + "); .ci/run installs them: apt-get install chromium chromium-driver");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    // without the networking flags Chromium floods a closed network with refused connections
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1280,900");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }

  private static void enterToken(WebDriver page, String token) {
    WebElement input = page.findElement(By.id("token-input"));
    input.clear();
    input.sendKeys(token);
    page.findElement(By.id("token-submit")).click();
  }

  private static void click(WebDriverWait wait, By target) {
    await(wait, "a click on " + target, p -> {
      p.findElement(target).click();
      return true;
    });
  }

  private static long done(WebDriver page, By row) {
    List<WebElement> rows = page.findElements(row);
    return rows.isEmpty() ? -1 : Long.parseLong(rows.get(0).getAttribute("data-done"));
  }

  private static String text(WebDriver page, String id) {
    return page.findElement(By.id(id)).getText();
  }

  private static void await(WebDriverWait wait, String what, Function<WebDriver, Boolean> condition) {
    wait.withMessage(what).until(condition);
  }

  private static <T> T awaitValue(WebDriverWait wait, String what, Function<WebDriver, T> value) {
    return wait.withMessage(what).until(value);
  }

  private static void screenshot(WebDriver page, String name) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    File shot = ((ChromeDriver) page).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
