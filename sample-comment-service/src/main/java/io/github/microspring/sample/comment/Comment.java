package io.github.microspring.sample.comment;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A comment on an article.
 *
 * @param article article the comment belongs to (from the path; ignored in a request body)
 * @param author who wrote it
 * @param text what they wrote
 */
public record Comment(String article, @Size(max = 64) String author, @NotBlank @Size(max = 2000) String text) {
}
