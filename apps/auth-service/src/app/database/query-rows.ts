/** Re-exported from service-runtime; see its TSDoc for why UPDATE … RETURNING needs it. */
export { queryRows } from '@gatehouse/service-runtime';
