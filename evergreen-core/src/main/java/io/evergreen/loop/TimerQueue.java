package io.evergreen.loop;

import java.util.Arrays;

/**
 * The loop's timers: a binary min-heap ordered by deadline, then by insertion order, so that timers due
 * at the same instant run in the order they were scheduled. Loop thread only.
 */
final class TimerQueue {

    private TimerHandle[] heap = new TimerHandle[64];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest timer, or null. */
    TimerHandle peek() {
        return size == 0 ? null : heap[0];
    }

    void add(TimerHandle timer) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        timer.heapIndex = size;
        heap[size++] = timer;
        siftUp(timer.heapIndex);
    }

    TimerHandle poll() {
        if (size == 0) {
            return null;
        }
        TimerHandle first = heap[0];
        removeAt(0);
        return first;
    }

    void remove(TimerHandle timer) {
        int index = timer.heapIndex;
        if (index >= 0 && index < size && heap[index] == timer) {
            removeAt(index);
        }
    }

    /** Drops every timer (the loop is stopping). */
    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void removeAt(int index) {
        TimerHandle removed = heap[index];
        removed.heapIndex = -1;
        int last = --size;
        if (index != last) {
            TimerHandle moved = heap[last];
            heap[index] = moved;
            moved.heapIndex = index;
            heap[last] = null;
            siftDown(index);
            if (heap[index] == moved) {
                siftUp(index);
            }
        } else {
            heap[last] = null;
        }
        if (heap.length > 64 && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    private void siftUp(int index) {
        TimerHandle timer = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            TimerHandle above = heap[parent];
            if (!timer.isBefore(above)) {
                break;
            }
            heap[index] = above;
            above.heapIndex = index;
            index = parent;
        }
        heap[index] = timer;
        timer.heapIndex = index;
    }

    private void siftDown(int index) {
        TimerHandle timer = heap[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            int right = child + 1;
            if (right < size && heap[right].isBefore(heap[child])) {
                child = right;
            }
            if (!heap[child].isBefore(timer)) {
                break;
            }
            heap[index] = heap[child];
            heap[index].heapIndex = index;
            index = child;
        }
        heap[index] = timer;
        timer.heapIndex = index;
    }
}
