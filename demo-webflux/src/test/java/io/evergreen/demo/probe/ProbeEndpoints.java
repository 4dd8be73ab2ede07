package io.evergreen.demo.probe;

import io.evergreen.demo.probe.LoopWitness.ClientSighting;
import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.netty.channel.Channel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;

/**
 * Handlers for the tests only, next to the demo's own: blocking ones (plain return types, on fibers) and reactive
 * ones ({@code Mono}), in one application. Each answer names the request it answers, so that a test can tell
 * answers apart under load.
 */
@RestController
@RequestMapping("/probe")
public class ProbeEndpoints {

    private final LoopWitness witness;
    private final Gate gate;
    private final Rendezvous rendezvous;
    private final LoopHog hog;
    private final WebClient.Builder webClients;
    private final ReactorResourceFactory reactorResources;

    ProbeEndpoints(LoopWitness witness, Gate gate, Rendezvous rendezvous, LoopHog hog, WebClient.Builder webClients,
            ReactorResourceFactory reactorResources) {
        this.witness = witness;
        this.gate = gate;
        this.rendezvous = rendezvous;
        this.hog = hog;
        this.webClients = webClients;
        this.reactorResources = reactorResources;
    }

    /** A blocking handler returning a String: tells the witness where it was read and where it runs. */
    @GetMapping("/where")
    String where(@RequestParam String n, ServerWebExchange exchange) {
        witness.sawHandler(n, exchange);
        return n;
    }

    /** As {@link #where}, with a request body, which WebFlux reads before it calls the handler. */
    @PostMapping("/where")
    String wherePosted(@RequestParam String n, @RequestBody String body, ServerWebExchange exchange) {
        witness.sawHandler(n, exchange);
        return n + " read " + body.length() + " characters";
    }

    @GetMapping("/gate")
    String gate(@RequestParam String n) throws InterruptedException {
        return gate.pass() ? n + " passed" : n + " gave up";
    }

    @GetMapping("/rendezvous")
    String rendezvous(@RequestParam String n) throws InterruptedException {
        return rendezvous.arriveAndAwait() ? n + " met" : n + " waited alone";
    }

    @GetMapping("/blocking/echo")
    String blockingEcho(@RequestParam String n, @RequestParam long ms) throws InterruptedException {
        Thread.sleep(Duration.ofMillis(ms));
        return "blocking " + n + " fiber=" + (Fiber.current() != null);
    }

    @GetMapping("/reactive/echo")
    Mono<String> reactiveEcho(@RequestParam String n, @RequestParam long ms) {
        boolean onFiber = Fiber.current() != null;
        return Mono.delay(Duration.ofMillis(ms)).map(tick -> "reactive " + n + " fiber=" + onFiber);
    }

    @GetMapping("/spin")
    String spin() {
        hog.spin();
        return "spun";
    }

    /**
     * Calls this application back with a WebClient from Spring Boot's builder, and blocks the fiber until the answer
     * is in: notes the thread that received the answer.
     */
    @GetMapping("/webclient")
    String webClient(@RequestParam String n, ServerWebExchange exchange) {
        WebClient client = webClients.baseUrl(baseUrl(exchange)).build();
        EventLoop callerLoop = Fiber.current().loop();
        AtomicReference<Thread> answeredOn = new AtomicReference<>();
        AtomicReference<EventLoop> answeredLoop = new AtomicReference<>();
        String body = client.get()
            .uri("/probe/reactive/echo?ms=1&n={n}", n)
            .retrieve()
            .bodyToMono(String.class)
            .doOnNext(received -> {
                answeredOn.set(Thread.currentThread());
                answeredLoop.set(EventLoop.current());
            })
            .block(Duration.ofSeconds(30));
        String hello = client.get().uri("/hello").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30));
        witness.sawClient(n, new ClientSighting(callerLoop, answeredLoop.get(), answeredOn.get(), null, body));
        return body + " / " + hello;
    }

    /**
     * Calls this application back on a new connection of Reactor Netty's client on the application's loop
     * resources, and notes the connection.
     */
    @GetMapping("/new-connection")
    String newConnection(@RequestParam String n, ServerWebExchange exchange) {
        EventLoop callerLoop = Fiber.current().loop();
        AtomicReference<Channel> channel = new AtomicReference<>();
        AtomicReference<Thread> answeredOn = new AtomicReference<>();
        AtomicReference<EventLoop> answeredLoop = new AtomicReference<>();
        String body = HttpClient.newConnection()
            .runOn(reactorResources.getLoopResources())
            .doOnConnected(connection -> channel.set(connection.channel()))
            .get()
            .uri(baseUrl(exchange) + "/probe/reactive/echo?ms=1&n=" + n)
            .responseContent()
            .aggregate()
            .asString()
            .doOnNext(received -> {
                answeredOn.set(Thread.currentThread());
                answeredLoop.set(EventLoop.current());
            })
            .block(Duration.ofSeconds(30));
        witness.sawClient(n, new ClientSighting(callerLoop, answeredLoop.get(), answeredOn.get(), channel.get(), body));
        return body;
    }

    private static String baseUrl(ServerWebExchange exchange) {
        return "http://127.0.0.1:" + exchange.getRequest().getLocalAddress().getPort();
    }
}
