/**
 * Splits a Server-Sent Events stream into its messages' data, chunk by chunk as they arrive
 * (a message may span chunks; a chunk may hold several). Each complete message gives the text of
 * its `data:` lines joined by newlines; a message without data (a keep-alive comment) gives none.
 */
export class SseDataSplitter {
  private buffer = "";

  push(chunk: string): string[] {
    this.buffer += chunk;
    const data: string[] = [];
    let end;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const message = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const text = message
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (text) data.push(text);
    }
    return data;
  }
}
