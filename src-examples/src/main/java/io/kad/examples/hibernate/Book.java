package io.kad.examples.hibernate;

import jakarta.persistence.Cacheable;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Version;
import java.util.HashSet;
import java.util.Set;
import org.hibernate.annotations.Cache;
import org.hibernate.annotations.CacheConcurrencyStrategy;
import org.hibernate.annotations.NaturalId;
import org.hibernate.annotations.NaturalIdCache;

/**
 * A book: an entity cached in the second-level cache (region {@code io.kad.examples.hibernate.Book}),
 * with a cached collection (region {@code io.kad.examples.hibernate.Book.tags}) and a cached natural
 * id (region {@code io.kad.examples.hibernate.Book##NaturalId}), all read-write.
 */
@Entity
@Cacheable
@Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
@NaturalIdCache
public class Book {

    @Id
    private Long id;

    @NaturalId
    private String isbn;

    private String title;

    @Version
    private int version;

    @ElementCollection
    @Cache(usage = CacheConcurrencyStrategy.READ_WRITE)
    private Set<String> tags = new HashSet<>();

    /** For Hibernate. */
    protected Book() {
    }

    /**
     * @param id the id
     * @param isbn the natural id
     * @param title the title
     * @param tags the tags
     */
    public Book(long id, String isbn, String title, Set<String> tags) {
        this.id = id;
        this.isbn = isbn;
        this.title = title;
        this.tags = new HashSet<>(tags);
    }

    /** @return the id */
    public Long getId() {
        return id;
    }

    /** @return the natural id */
    public String getIsbn() {
        return isbn;
    }

    /** @return the title */
    public String getTitle() {
        return title;
    }

    /** @param title the new title */
    public void setTitle(String title) {
        this.title = title;
    }

    /** @return the tags (loaded lazily) */
    public Set<String> getTags() {
        return tags;
    }
}
