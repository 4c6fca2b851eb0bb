// The dashboard's pages: their paths, their names in the navigation and who sees them. A page is
// listed here only once it is built.
import type { FunctionComponent } from 'preact';
import type { Me } from './api/types.js';
import { canReadAudit } from './session.js';
import { AuditPage } from './pages/audit-page.js';
import { AgentsPage } from './pages/agents-page.js';
import { InboxPage } from './pages/inbox-page.js';
import { NotificationsPage } from './pages/notifications-page.js';
import { OversightPage } from './pages/oversight-page.js';
import { PolicyPage } from './pages/policy-page.js';
import { ReviewsPage } from './pages/reviews-page.js';
import { StandingPage } from './pages/standing-page.js';

export interface PageEntry {
  path: string;
  title: string;
  component: FunctionComponent;
  visible: (me: Me) => boolean;
}

const everyone = (): boolean => true;

export const PAGES: PageEntry[] = [
  { path: '/', title: 'Inbox', component: InboxPage, visible: everyone },
  { path: '/reviews', title: 'Reviews', component: ReviewsPage, visible: everyone },
  { path: '/standing', title: 'Standing approvals', component: StandingPage, visible: everyone },
  { path: '/agents', title: 'Agents', component: AgentsPage, visible: everyone },
  { path: '/audit', title: 'Audit', component: AuditPage, visible: canReadAudit },
  { path: '/policy', title: 'Policy', component: PolicyPage, visible: everyone },
  { path: '/oversight', title: 'Oversight', component: OversightPage, visible: everyone },
  { path: '/notifications', title: 'Notifications', component: NotificationsPage, visible: canReadAudit },
];
