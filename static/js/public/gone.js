// The page of a link that opens nothing (/r/<token>): the same header, in the language chosen,
// and where to look instead ("我的反映" on the phone she reported from) or to report again.
import { startPage } from './page.js';

startPage('pub_gone');
document.body.dataset.ready = 'true';
