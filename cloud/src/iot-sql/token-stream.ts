import { IotSqlSyntaxError } from './errors.js';
import type { Token } from './lexer.js';

/** The parser's cursor over the tokens: look, accept, expect, and fail with the position. */
export class TokenStream {
  protected i = 0;
  constructor(protected readonly tokens: Token[]) {}

  protected peek(): Token {
    return this.tokens[this.i]!;
  }

  protected isWord(t: Token, word: string): boolean {
    return t.type === 'ident' && t.text.toUpperCase() === word;
  }

  protected acceptWord(word: string): boolean {
    if (!this.isWord(this.peek(), word)) return false;
    this.i++;
    return true;
  }

  protected acceptPunct(text: string): boolean {
    const t = this.peek();
    if (t.type !== 'punct' || t.text !== text) return false;
    this.i++;
    return true;
  }

  protected expectPunct(text: string): void {
    if (!this.acceptPunct(text)) this.fail(this.peek(), `expected "${text}"`);
  }

  protected fail(t: Token, reason: string): never {
    const found = t.type === 'eof' ? 'the end of the statement' : JSON.stringify(t.text);
    throw new IotSqlSyntaxError(t.pos, `${reason}, found ${found}`);
  }
}
