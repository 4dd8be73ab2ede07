package io.evergreen.loop;

/**
 * Something bound to one event loop for its whole life: the loop thread itself, or a fiber.
 * The calling thread's binding is what {@link EventLoop#current()} reads.
 */
public interface LoopBound {

    EventLoop loop();
}
