export type Theme = 'dark' | 'light';

export type Route =
  | { readonly name: 'searches' }
  | { readonly name: 'new' }
  | { readonly name: 'study'; readonly id: string }
  | { readonly name: 'trial'; readonly id: string; readonly number: number }
  | { readonly name: 'compare'; readonly ids: readonly string[] }
  | { readonly name: 'insights'; readonly id: string }
  | { readonly name: 'devices' }
  | { readonly name: 'workers' };

export interface UiState {
  readonly theme: Theme;
  readonly route: Route;
}

export const initialUiState: UiState = { theme: 'dark', route: { name: 'searches' } };
