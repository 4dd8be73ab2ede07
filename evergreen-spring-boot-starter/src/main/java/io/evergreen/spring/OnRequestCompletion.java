package io.evergreen.spring;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Runs an action once an asynchronous request completes (after all its async cycles), for filters that hold
 * something for the whole request: a fiber scope, a max-in-flight permit.
 */
record OnRequestCompletion(Runnable action) implements AsyncListener {

    @Override
    public void onComplete(AsyncEvent event) {
        action.run();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // Completion follows a timeout; the action runs then.
    }

    @Override
    public void onError(AsyncEvent event) {
        // Completion follows an error; the action runs then.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A new async cycle drops the listeners of the last one: stay registered until the request completes.
        event.getAsyncContext().addListener(this);
    }
}
