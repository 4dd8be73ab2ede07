package io.evergreen.demo.probe;

import io.evergreen.fiber.Fiber;
import io.evergreen.loop.EventLoop;
import io.netty.channel.Channel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.web.server.ServerWebExchange;

/**
 * What {@link ProbeEndpoints} saw, by the name the test gave each request: where the request was read, and where
 * its handler ran. Tests compare loops by identity.
 */
public final class LoopWitness {

    private final Map<String, Sighting> sightings = new ConcurrentHashMap<>();

    private final Map<String, ClientSighting> clientSightings = new ConcurrentHashMap<>();

    /** Called by a handler: where the request was read (from {@link ReadingLoopWebFilter}) and where it runs. */
    void sawHandler(String name, ServerWebExchange exchange) {
        Fiber<?> fiber = Fiber.current();
        sightings.put(name, new Sighting(exchange.getAttribute(ReadingLoopWebFilter.READ_BY),
                exchange.getAttribute(ReadingLoopWebFilter.READ_ON_THREAD), exchange.getAttribute(ReadingLoopWebFilter.CHANNEL),
                fiber, fiber == null ? null : fiber.loop(), EventLoop.current(), Thread.currentThread()));
    }

    void sawClient(String name, ClientSighting sighting) {
        clientSightings.put(name, sighting);
    }

    public Sighting sighting(String name) {
        Sighting sighting = sightings.get(name);
        if (sighting == null) {
            throw new AssertionError("no handler saw request " + name);
        }
        return sighting;
    }

    public ClientSighting clientSighting(String name) {
        ClientSighting sighting = clientSightings.get(name);
        if (sighting == null) {
            throw new AssertionError("no handler called out for request " + name);
        }
        return sighting;
    }

    /**
     * @param readBy the Evergreen loop whose thread read the request, or null
     * @param readOn the thread that read it
     * @param channel the request's connection
     * @param fiber the fiber the handler ran on, or null
     * @param fiberLoop that fiber's loop
     * @param handlerLoop {@code EventLoop.current()} in the handler
     * @param handlerThread the handler's thread
     */
    public record Sighting(EventLoop readBy, Thread readOn, Channel channel, Fiber<?> fiber, EventLoop fiberLoop,
            EventLoop handlerLoop, Thread handlerThread) {
    }

    /**
     * A call a handler made with a client.
     *
     * @param callerLoop the loop of the handler's fiber
     * @param answeredOn the Evergreen loop of the thread that received the answer, or null
     * @param answeredOnThread that thread
     * @param channel the client's connection, when the test could see it
     * @param body the answer
     */
    public record ClientSighting(EventLoop callerLoop, EventLoop answeredOn, Thread answeredOnThread, Channel channel,
            String body) {
    }
}
