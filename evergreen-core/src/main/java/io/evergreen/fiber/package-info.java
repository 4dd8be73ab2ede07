/**
 * Fibers: virtual threads bound to one event loop for life ({@link io.evergreen.fiber.Fiber}), with
 * greenlet-style switching, fiber-local storage kept in the fiber itself ({@link io.evergreen.fiber.FiberLocal}),
 * structured concurrency ({@link io.evergreen.fiber.FiberGroup}) and deadlines ({@link io.evergreen.fiber.Timeout}).
 */
package io.evergreen.fiber;
