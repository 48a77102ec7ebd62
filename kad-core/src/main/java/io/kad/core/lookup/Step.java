package io.kad.core.lookup;

import io.kad.core.id.Contact;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What a {@link Lookup} wants its driver to do next. */
public sealed interface Step {

    /**
     * Send a {@code find_node} (or {@code find_value}) request to {@code to}; the lookup already counts
     * it as in flight and expects {@link Lookup#onResponse}, {@link Lookup#onValueFound} or
     * {@link Lookup#onFailure} for it.
     *
     * @param to the contact to query
     */
    record Query(Contact to) implements Step {
        /**
         * Checks the field.
         *
         * @param to the contact to query
         */
        public Query {
            Objects.requireNonNull(to, "to");
        }
    }

    /** Nothing to send now: {@code alpha} requests are in flight, or the lookup waits for replies. */
    record Waiting() implements Step {}

    /**
     * The lookup is over.
     *
     * @param closest the contacts that answered with nodes, closest to the target first, at most
     *     {@code k}; never a failed contact, never the local node, never {@code valueFrom}
     * @param valueFrom the contact that answered with the value (VALUE lookups only)
     * @param rounds the hop depth reached: the greatest depth among contacts that answered, where the
     *     initial contacts have depth 1 and contacts learned from a depth-d answer have depth d+1
     */
    record Finished(List<Contact> closest, Optional<Contact> valueFrom, int rounds) implements Step {
        /**
         * Copies the list.
         *
         * @param closest the contacts that answered with nodes, closest first
         * @param valueFrom the contact that answered with the value
         * @param rounds the hop depth reached
         */
        public Finished {
            closest = List.copyOf(closest);
            Objects.requireNonNull(valueFrom, "valueFrom");
        }
    }
}
