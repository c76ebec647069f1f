// Types for Vite's import.meta.env and vite-plugin-pwa's virtual registration module.
/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/react" />
