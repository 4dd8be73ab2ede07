package io.evergreen.demo;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard at {@code /}, in a real browser: headless Chromium driven through chromedriver, both Debian's
 * ({@code apt-get install chromium chromium-driver}). Skipped when they are missing.
 * <p>
 * The page must show what {@code /actuator/evergreen} says: a row per loop, the fibers parked by requests in
 * flight, a latency line per loop, the health badge, and no script error on the way. A screenshot of it lands in
 * {@code target/dashboard-screenshots/dashboard.png}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "demo.echo.port=0")
@ExtendWith(DashboardBrowserTests.BrowserInstalled.class)
class DashboardBrowserTests {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshots", "dashboard.png");

    /** Requests kept in flight by the load, each sleeping (parked) for {@link #SLEEP_MILLIS}. */
    private static final int SLEEPERS = 40;
    private static final long SLEEP_MILLIS = 3000;
    /** How far two readings a moment apart may differ: the readings are fibers too, and a sleeper may be replaced. */
    private static final int LIVE_TOLERANCE = 5;

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @LocalServerPort
    private int port;

    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    private final AtomicBoolean loading = new AtomicBoolean();
    private final AtomicInteger loadFailures = new AtomicInteger();
    private final List<Thread> sleepers = new ArrayList<>();
    private Path profile;
    private ChromeDriver driver;

    /**
     * Skips each test when Chromium or chromedriver is missing, before the application starts for it (an
     * assumption in {@code @BeforeAll} would skip the class without a word in the test report).
     */
    static class BrowserInstalled implements TestInstancePreConstructCallback {

        private static final String MISSING = "Skipped: the dashboard browser test needs " + CHROMIUM + " and "
            + CHROMEDRIVER + ". On Debian or Ubuntu: sudo apt-get install chromium chromium-driver";
        private static final AtomicBoolean told = new AtomicBoolean();

        @Override
        public void preConstructTestInstance(TestInstanceFactoryContext factory, ExtensionContext context) {
            boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
            if (!installed && told.compareAndSet(false, true)) {
                System.err.println(MISSING);
            }
            assumeTrue(installed, MISSING);
        }
    }

    @BeforeEach
    void startBrowser() throws IOException {
        // Selenium warns that it has no DevTools (CDP) classes for this Chromium's version; the test needs none.
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        logging.setLogLevel("org.openqa.selenium.devtools.CdpVersionFinder", LogLevel.ERROR);
        logging.setLogLevel("org.openqa.selenium.chromium.ChromiumDriver", LogLevel.ERROR);
        // The local driver, always: Selenium Manager must not look for (or download) one.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        profile = Files.createTempDirectory("dashboard-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile, "--window-size=1440,1000");
        LoggingPreferences console = new LoggingPreferences();
        console.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", console);
        ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        loading.set(false);
        for (Thread sleeper : sleepers) {
            sleeper.join(Duration.ofSeconds(30)); // the next test starts with no request in flight
        }
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    void dashboardShowsTheLoopsAndTheFibersParkedByRequestsInFlight() throws IOException {
        driver.get(url("/"));
        browserWait().withMessage("a first reading on the page").until(d -> intMetric("polls") >= 1);

        int loopCount = actuator().read("$.loopCount", Integer.class);
        assertThat(loopCount).isPositive();
        browserWait().withMessage("a row per loop")
            .until(d -> driver.findElements(By.cssSelector("#loops-body tr[data-loop]")).size() == loopCount
                && intMetric("loop-count") == loopCount && intMetric("shared-queue") >= 0);
        browserWait().withMessage("the health badge says UP").until(d -> "UP".equals(metric("health").getText()));

        startLoad();
        Map<String, Long> page = new HashMap<>();
        DocumentContext[] actuator = new DocumentContext[1];
        browserWait().withMessage(() -> "at least " + SLEEPERS + " parked fibers on the page, and live fibers as the"
                + " actuator counts them"
                + " (page " + page + "; actuator " + (actuator[0] == null ? "not read" : actuator[0].read("$.fibers"))
                + "; failed sleeps " + loadFailures.get() + ")")
            .until(d -> {
                page.clear();
                page.putAll(pageNumbers());
                actuator[0] = actuator();
                int live = actuator[0].read("$.fibers.live", Integer.class);
                int parked = actuator[0].read("$.fibers.parked", Integer.class);
                return page.get("fibers-parked") >= SLEEPERS && parked >= SLEEPERS
                    && Math.abs(page.get("fibers-live") - live) <= LIVE_TOLERANCE;
            });

        // One reading, shown consistently: the states add up to the live fibers, and so do the loops.
        assertThat(page.get("fibers-live"))
            .isEqualTo(page.get("fibers-running") + page.get("fibers-runnable") + page.get("fibers-parked"));
        long loopsLive = 0;
        for (int loop = 0; loop < loopCount; loop++) {
            loopsLive += page.get("loop-" + loop + "-fibers-live");
        }
        assertThat(loopsLive).isEqualTo(page.get("fibers-live"));

        browserWait().withMessage("three points or more per loop in the latency chart, and in the fibers chart")
            .until(d -> chartsHaveThreePoints(loopCount));
        // Health is DOWN for as long as a loop is blocked; on a busy machine that happens now and then.
        browserWait().withMessage("the health badge says UP").until(d -> "UP".equals(metric("health").getText()));

        screenshot();
        assertThat(SCREENSHOT).isRegularFile();
        assertThat(Files.size(SCREENSHOT)).isPositive();
        assertNoScriptErrors();
    }

    @Test
    void theSleepButtonParksFiftyFibersAtOnce() {
        driver.get(url("/"));
        browserWait().withMessage("a first reading on the page").until(d -> intMetric("polls") >= 1);

        WebElement button = driver.findElement(By.cssSelector("button[data-try='sleep']"));
        // Fifty sleeps of 2 s; should one burst fall between two readings, the next click sends another.
        browserWait().withMessage("50 parked fibers after a click on the sleep button").until(d -> {
            if (button.isEnabled()) {
                button.click();
            }
            return intMetric("fibers-parked") >= 50;
        });
        browserWait().withMessage("the panel says all fifty answered")
            .until(d -> driver.findElement(By.id("try-result")).getText().startsWith("50 of 50 "));
        assertNoScriptErrors();
    }

    private boolean chartsHaveThreePoints(int loopCount) {
        // Read in one go: the charts are redrawn at every reading.
        Map<?, ?> pointsByLoop = (Map<?, ?>) ((JavascriptExecutor) driver).executeScript("""
            const points = {};
            for (const line of document.querySelectorAll('#chart-latency path[data-loop]')) {
                points[line.dataset.loop] = Number(line.dataset.points);
            }
            return points;""");
        for (int loop = 0; loop < loopCount; loop++) {
            if (!(pointsByLoop.get(String.valueOf(loop)) instanceof Number points) || points.intValue() < 3) {
                return false;
            }
        }
        return Integer.parseInt(driver.findElement(By.id("chart-fibers")).getDomAttribute("data-points")) >= 3;
    }

    /** Keeps {@link #SLEEPERS} sleeping requests in flight (one after another on each of as many threads) until the end. */
    private void startLoad() {
        loading.set(true);
        HttpRequest sleep = HttpRequest.newBuilder(URI.create(url("/sleep?ms=" + SLEEP_MILLIS)))
            .timeout(Duration.ofSeconds(30))
            .build();
        for (int i = 0; i < SLEEPERS; i++) {
            sleepers.add(Thread.ofPlatform().daemon().name("dashboard-sleeper-" + i).start(() -> {
                while (loading.get()) {
                    try {
                        if (http.send(sleep, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                            loadFailures.incrementAndGet();
                        }
                    } catch (IOException e) {
                        loadFailures.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
    }

    private WebDriverWait browserWait() {
        WebDriverWait wait = new WebDriverWait(driver, PATIENCE, Duration.ofMillis(200));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private DocumentContext actuator() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url("/actuator/evergreen")))
            .header("Accept", "application/json")
            .timeout(Duration.ofSeconds(30))
            .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return JsonPath.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private WebElement metric(String name) {
        return driver.findElement(By.cssSelector("[data-metric='" + name + "']"));
    }

    /** Every number on the page (data-value by data-metric), read in one go: the page changes at every reading. */
    private Map<String, Long> pageNumbers() {
        Map<?, ?> values = (Map<?, ?>) ((JavascriptExecutor) driver).executeScript("""
            const values = {};
            for (const node of document.querySelectorAll('[data-metric][data-value]')) {
                const value = Number(node.dataset.value);
                if (node.dataset.value !== '' && Number.isInteger(value)) {
                    values[node.dataset.metric] = value;
                }
            }
            return values;""");
        Map<String, Long> numbers = new HashMap<>();
        values.forEach((name, value) -> numbers.put((String) name, ((Number) value).longValue()));
        return numbers;
    }

    /** A number as the page holds it (data-value), -1 before the first reading. */
    private int intMetric(String name) {
        String value = metric(name).getDomAttribute("data-value");
        return value == null || value.isEmpty() ? -1 : (int) Double.parseDouble(value);
    }

    /** The whole page: the window as tall as the page, charts redrawn at that size, then one capture. */
    private void screenshot() throws IOException {
        browserWait().withMessage("a window as tall as the page").until(d -> {
            int height = (int) Math.min(4000, ((Number) ((JavascriptExecutor) driver)
                .executeScript("return document.documentElement.scrollHeight")).longValue());
            int viewport = ((Number) ((JavascriptExecutor) driver)
                .executeScript("return window.innerHeight")).intValue();
            if (viewport >= height) {
                return true;
            }
            Dimension window = driver.manage().window().getSize();
            driver.manage().window().setSize(new Dimension(window.getWidth(), window.getHeight() + height - viewport));
            return false;
        });
        int polls = intMetric("polls");
        browserWait().withMessage("a reading drawn at the new size").until(d -> intMetric("polls") > polls);
        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, driver.getScreenshotAs(OutputType.BYTES));
    }

    private void assertNoScriptErrors() {
        Object captured = ((JavascriptExecutor) driver).executeScript("return window.dashboardErrors");
        assertThat(captured).as("errors caught by the page").isInstanceOf(List.class);
        assertThat((List<?>) captured).as("errors caught by the page").isEmpty();
        List<String> severe;
        try {
            severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::toString)
                // The browser logs every 503 from /actuator/health, the answer while DOWN, which the page shows.
                .filter(entry -> !(entry.contains("/actuator/health ") && entry.contains("status of 503")))
                .toList();
        } catch (WebDriverException unsupported) {
            return; // a driver without the log endpoint: window.dashboardErrors above has to do
        }
        assertThat(severe).as("errors in the browser console").isEmpty();
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
