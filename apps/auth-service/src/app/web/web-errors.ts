/** Thrown when a page needs a signed-in user; rendered as a redirect to /login. */
export class WebLoginRequired extends Error {
  constructor() {
    super('login required');
    this.name = 'WebLoginRequired';
  }
}
