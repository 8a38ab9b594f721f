import { PageHeader } from '../components/feedback';

/** To be built (issue 21): see web/README.md. */
export function Overview(props: { id?: string }) {
  void props;
  return <PageHeader title="Overview" />;
}
