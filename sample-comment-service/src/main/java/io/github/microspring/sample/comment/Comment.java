package io.github.microspring.sample.comment;

/**
 * A comment on an article.
 *
 * @param article article the comment belongs to
 * @param author who wrote it
 * @param text what they wrote
 */
public record Comment(String article, String author, String text) {
}
