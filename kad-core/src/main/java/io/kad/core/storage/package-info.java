/**
 * The built-in {@link io.kad.spi.StorageTier}s and their providers: a bounded Caffeine cache
 * ({@code caffeine}, the default), an adapter for any {@link java.util.Map} (kad.py's {@code storage=}),
 * and a persistent H2 MVStore file ({@code mvstore}); plus
 * {@link io.kad.core.storage.StorageTierProviders}, which finds any provider by name. Every tier's
 * {@code compute} is atomic per record id and every tier is thread-safe.
 */
package io.kad.core.storage;
